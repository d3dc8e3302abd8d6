package dev.promptbatch.job;

/**
 * Confirms, before a chunk's output is written, that this process still holds its job instance, so that nothing is
 * written by a run that another process may have taken over.
 */
@FunctionalInterface
public interface InstanceCheck {
    /** For HSQLDB, whose database file stays locked to this process for as long as it runs. */
    InstanceCheck NONE = () -> {};

    /** @throws InstanceLostException when this process no longer holds its job instance */
    void confirmHeld();
}
