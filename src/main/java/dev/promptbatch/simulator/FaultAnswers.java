package dev.promptbatch.simulator;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import com.sun.net.httpserver.HttpExchange;

/** The injected faults whose answer is the same on every endpoint, and the texts real servers give for them. */
final class FaultAnswers {

    static final String SERVER_BUSY = "server busy, please try again.  maximum pending requests exceeded";
    static final String RUNNER_STOPPED = "model runner has unexpectedly stopped, this may be due to resource "
            + "limitations or an internal error, check ollama server logs for details";

    private static final byte[] MALFORMED = "<html>bad gateway</html>".getBytes(StandardCharsets.UTF_8);
    private static final byte[] BAD_GATEWAY_PAGE = ("<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n"
                    + "<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n"
                    + "</html>\r\n")
            .getBytes(StandardCharsets.UTF_8);

    private FaultAnswers() {}

    /**
     * Answers {@code fault} if its answer does not depend on the endpoint; returns false, having sent nothing, for
     * those that do (a cut body, an unfinished answer, a slow one).
     *
     * @param tooLong the endpoint's words for an input longer than the model's context
     */
    static boolean answer(HttpExchange exchange, Fault fault, String prompt, String tooLong, SimulatorStats stats)
            throws IOException {
        switch (fault) {
            case SERVICE_UNAVAILABLE -> {
                stats.busyAnswered(prompt);
                Exchanges.sendError(exchange, 503, SERVER_BUSY);
            }
            case BAD_GATEWAY -> Exchanges.send(exchange, 502, Exchanges.TEXT_HTML, BAD_GATEWAY_PAGE);
            case PROMPT_TOO_LONG -> Exchanges.sendError(exchange, 400, tooLong);
            case INTERNAL_ERROR -> Exchanges.sendError(exchange, 500, RUNNER_STOPPED);
            case UNAUTHORIZED -> Exchanges.sendError(exchange, 401, "unauthorized");
            // Closing an exchange before its headers are sent closes the TCP connection.
            case DROP_CONNECTION -> {
                stats.unanswered(prompt);
                Exchanges.beforeResponse(exchange);
                exchange.close();
            }
            case MALFORMED_BODY -> Exchanges.send(exchange, 200, Exchanges.JSON, MALFORMED);
            case TRUNCATED_BODY, NOT_DONE, SLOW -> {
                return false;
            }
        }
        return true;
    }
}
