package dev.promptbatch.ollama;

import java.util.List;
import java.util.Locale;

/**
 * The one place that decides what a failed request means ({@link FailureClass}). The HTTP status decides; the
 * message's words decide only where the status alone has two meanings and Ollama gives nothing else:
 * 401 and 403 refuse the credentials, not the request: every request would meet them ({@link FailureClass#DENIED}).
 * <ul>
 * <li>500 is a load or runner failure, which can pass, except for a mistake in the request, which Ollama also
 * answers 500: a wrongly typed option ({@code option "stop" must be of type array}) or a bad {@code format}
 * ({@code invalid format: ...}).
 * <li>503 from the server itself, a JSON error (Ollama's full queue, KoboldCpp's "Server is busy"), is busy whatever
 * its wording. A 503 page from a proxy in front of it says the server is away, unless it asks to come back later
 * (Retry-After) or its words say busy.
 * </ul>
 */
final class FailureClassifier {
    /** Mistakes in the request that Ollama answers 500. */
    private static final List<String> REJECTED_500_WORDS = List.of("must be of type", "invalid format");

    /** What a 503 page that is not the server's own error says when the server is busy rather than away. */
    private static final List<String> BUSY_WORDS =
            List.of("busy", "pending requests", "too many", "too quickly", "overloaded", "rate limit");

    private FailureClassifier() {}

    /** A failure without an answer: no connection or a lost one is the server; a timeout or a bad 200 is this request. */
    static FailureClass withoutStatus(OllamaException.Reason reason) {
        return switch (reason) {
            case UNREACHABLE, CONNECTION_LOST -> FailureClass.AWAY;
            case TIMEOUT, BAD_BODY, NOT_DONE -> FailureClass.TRANSIENT;
            case STATUS -> throw new IllegalArgumentException("an answer with a status is classified by its status");
        };
    }

    /** An answer with a status other than 200. */
    static FailureClass ofStatus(int status, ErrorBody body, boolean retryAfter) {
        return switch (status) {
            case 401, 403 -> FailureClass.DENIED;
            case 429 -> FailureClass.BUSY;
            case 500 ->
                REJECTED_500_WORDS.stream().anyMatch(body.message()::contains)
                        ? FailureClass.REJECTED
                        : FailureClass.TRANSIENT;
            case 502, 504 -> FailureClass.AWAY;
            case 503 -> body.json() || retryAfter || saysBusy(body.message()) ? FailureClass.BUSY : FailureClass.AWAY;
            default -> FailureClass.REJECTED;
        };
    }

    private static boolean saysBusy(String message) {
        String lower = message.toLowerCase(Locale.ROOT);
        return BUSY_WORDS.stream().anyMatch(lower::contains);
    }
}
