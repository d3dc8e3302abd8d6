package dev.promptbatch.progress;

import java.time.Duration;
import java.util.List;

import dev.promptbatch.outcome.Cell;

/**
 * What the progress line says at one moment.
 *
 * @param pass              the pass under way, or null while it is not known (the input not counted yet)
 * @param passNumber        1-based number of that pass
 * @param passes            how many passes the run makes over the input
 * @param done              records answered or failed, over all passes and executions of the run
 * @param total             records the run has in all, or null while the input is being counted
 * @param answersPerMinute  answers per minute over the last minute, or null before there is a second to measure
 * @param eta               time left at the pace of the last minute, or null when it cannot be told
 * @param inFlight          requests in flight on each server, in the run's order of servers
 */
public record ProgressFacts(
        Cell pass,
        int passNumber,
        int passes,
        long done,
        Long total,
        long answered,
        long failed,
        Double answersPerMinute,
        Duration eta,
        List<ServerLoad> inFlight) {

    public ProgressFacts {
        inFlight = List.copyOf(inFlight);
    }

    /** Requests in flight on one server. */
    public record ServerLoad(String server, int inFlight) {}
}
