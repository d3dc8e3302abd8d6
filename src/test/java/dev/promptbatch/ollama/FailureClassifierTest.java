package dev.promptbatch.ollama;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The classification table, row by row. The bodies are the servers' own, word for word (Ollama's from its source,
 * see the Ollama API reference note §3; KoboldCpp's and proxies' as measured), not the simulator's copies.
 */
class FailureClassifierTest {

    @ParameterizedTest(name = "{0} {1} (Retry-After: {2}) is {3}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            400 | {"error":"missing request body"}                                                  | false | REJECTED
            400 | {"error":"the prompt is longer than the context length currently available to the model; shorten the prompt, adjust the context length in settings, or use a model with a longer context length"} | false | REJECTED
            400 | {"error":"\\"llama3.2\\" does not support thinking"}                            | false | REJECTED
            401 | {"error":"unauthorized","signin_url":"https://ollama.com/connect"}                | false | DENIED
            401 | {"error":{"code":401,"message":"Invalid API Key","type":"authentication_error"}}  | false | DENIED
            403 | ``                                                                                | false | DENIED
            503 | {"error":{"code":503,"message":"Loading model","type":"unavailable_error"}}       | false | BUSY
            500 | {"object":"error","message":"CUDA error: out of memory","type":"InternalServerError","param":null,"code":500} | false | TRANSIENT
            422 | {"detail":[{"loc":["body","messages"],"msg":"Field required","type":"missing"}]}  | false | REJECTED
            404 | {"error":"model 'llama3' not found"}                                              | false | REJECTED
            404 | {"error":"model \\"llama3\\" not found, try pulling it first"}                    | false | REJECTED
            404 | 404 page not found                                                                | false | REJECTED
            405 | 405 method not allowed                                                            | false | REJECTED
            429 | {"error": {"message": "Too Many Requests", "type": "rate_limit"}}                 | false | BUSY
            429 | ``                                                                                | false | BUSY
            500 | {"error":"option \\"stop\\" must be of type array"}                               | false | REJECTED
            500 | {"error":"option \\"seed\\" must be of type integer"}                             | false | REJECTED
            500 | {"error":"invalid format: \\"yaml\\"; expected \\"json\\" or a valid JSON Schema object"} | false | REJECTED
            500 | {"error":"model runner has unexpectedly stopped, this may be due to resource limitations or an internal error, check ollama server logs for details"} | false | TRANSIENT
            500 | {"error":"llama-server process has terminated: exit status 2"}                    | false | TRANSIENT
            500 | {"error":"timed out waiting for llama-server to start - progress 0.00 - "}       | false | TRANSIENT
            500 | {"error":"model list cache unavailable"}                                          | false | TRANSIENT
            500 | {"detail": {"msg": "Expecting value: line 1 column 1 (char 0)", "type": "bad_input"}} | false | TRANSIENT
            500 | <html><body><h1>500 Internal Server Error</h1></body></html>                      | false | TRANSIENT
            501 | Not Implemented                                                                   | false | REJECTED
            502 | <html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html> | false | AWAY
            502 | {"error":"upstream error"}                                                        | false | AWAY
            503 | {"error":"server busy, please try again.  maximum pending requests exceeded"}     | false | BUSY
            503 | {"error":"the request queue is full"}                                             | false | BUSY
            503 | {"error":"{\\"error\\":{\\"code\\":503,\\"message\\":\\"Loading model\\",\\"type\\":\\"unavailable_error\\"}}"} | false | BUSY
            503 | {"detail": {"msg": "Server is busy; please try again later.", "type": "service_unavailable"}} | false | BUSY
            503 | <html><body><h1>503 Service Temporarily Unavailable</h1></body></html>            | false | AWAY
            503 | ``                                                                                | false | AWAY
            503 | ``                                                                                | true  | BUSY
            503 | Too many requests, please slow down                                               | false | BUSY
            503 | no healthy upstream                                                               | false | AWAY
            504 | <html><body><h1>504 Gateway Time-out</h1></body></html>                           | false | AWAY
            """)
    void theStatusDecidesAndTheWordsOnlyWhereItHasTwoMeanings(
            int status, String body, boolean retryAfter, FailureClass expected) {
        assertThat(FailureClassifier.ofStatus(status, ErrorBody.of(body), retryAfter))
                .isEqualTo(expected);
    }

    @ParameterizedTest
    @EnumSource(
            value = OllamaException.Reason.class,
            names = {"UNREACHABLE", "CONNECTION_LOST"})
    void noConnectionIsTheServerAway(OllamaException.Reason reason) {
        assertThat(FailureClassifier.withoutStatus(reason)).isEqualTo(FailureClass.AWAY);
    }

    @ParameterizedTest
    @EnumSource(
            value = OllamaException.Reason.class,
            names = {"TIMEOUT", "BAD_BODY", "NOT_DONE"})
    void noAnswerInTimeOrABroken200IsThisRequestAndCanPass(OllamaException.Reason reason) {
        assertThat(FailureClassifier.withoutStatus(reason)).isEqualTo(FailureClass.TRANSIENT);
    }
}
