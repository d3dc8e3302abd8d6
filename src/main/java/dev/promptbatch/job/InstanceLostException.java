package dev.promptbatch.job;

/**
 * The run no longer holds its job instance: its lock's session ended under it. The chunk being written rolls back
 * and the run fails; what was committed before stays, for the same command to resume.
 */
public class InstanceLostException extends RuntimeException {
    InstanceLostException(String message, Throwable cause) {
        super(message, cause);
    }
}
