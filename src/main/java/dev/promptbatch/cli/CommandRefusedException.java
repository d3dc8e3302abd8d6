package dev.promptbatch.cli;

/** A command refuses to go on before doing anything; the message says why, in one line for the user. */
final class CommandRefusedException extends RuntimeException {
    CommandRefusedException(String message) {
        super(message);
    }

    CommandRefusedException(String message, Throwable cause) {
        super(message, cause);
    }
}
