package dev.promptbatch.servers;

/**
 * A server refused the credentials in the middle of a run (401, 403: a key changed or revoked): every request would
 * be refused alike, so the run stops at once instead of failing record after record, and ends as a refused run
 * (exit 2). What was answered is kept; with the credentials fixed, the same command resumes.
 */
public class CredentialsRefusedException extends GenerationFailedException {
    public CredentialsRefusedException(String message, Throwable cause) {
        super(message, cause);
    }
}
