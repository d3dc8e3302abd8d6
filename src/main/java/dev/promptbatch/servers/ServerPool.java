package dev.promptbatch.servers;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import dev.promptbatch.ollama.OllamaException;
import dev.promptbatch.ollama.ServerClient;

/**
 * The servers of a run, and which one takes each request: one with the request's model and a free slot, the least
 * loaded first. Nothing is split in advance, so a server that answers twice as fast frees its slots twice as often
 * and takes about twice the requests. A paused server (away, see {@link ServerGate}) takes none; its requests go to
 * the others. A request may ask to avoid servers that already failed it, so that a retry goes elsewhere when
 * elsewhere there is. The run fails, resumably, only when every server with the model has been away longer than
 * {@code max-outage}. Thread-safe; time and waiting for probes come from the {@link Ticker}.
 */
public final class ServerPool {
    /** How long a request that found no free slot waits before it looks again, unless a slot is given back first. */
    private static final Duration WAIT = Duration.ofMillis(100);

    private final List<PooledServer> servers;
    private final Duration maxOutage;
    private final Ticker ticker;
    private final Map<String, List<PooledServer>> byModel = new ConcurrentHashMap<>();

    public ServerPool(List<PooledServer> servers, Duration maxOutage, Ticker ticker) {
        if (servers.isEmpty()) {
            throw new IllegalArgumentException("a run needs at least one server");
        }
        this.servers = List.copyOf(servers);
        this.maxOutage = maxOutage;
        this.ticker = ticker;
    }

    /**
     * The pool for the run's servers: a client, a circuit breaker and a concurrency limit each.
     *
     * @param timeout how long one request may take
     * @param probeInterval how often a paused server is asked whether it is back
     * @param busyProbeAfter how long a server must not have been busy before more requests than was too many are tried
     */
    public static ServerPool of(
            List<ServerTarget> targets,
            Duration timeout,
            Duration maxOutage,
            Duration probeInterval,
            Duration busyProbeAfter,
            Ticker ticker) {
        String meanwhile = targets.size() == 1
                ? "the run waits for it for up to " + maxOutage.toSeconds() + " s (max-outage)"
                : "the other servers take its requests meanwhile";
        List<PooledServer> servers = new ArrayList<>();
        for (ServerTarget target : targets) {
            ServerClient client = target.client(timeout, target.concurrency());
            AdaptiveConcurrency concurrency =
                    new AdaptiveConcurrency(target.display(), target.concurrency(), busyProbeAfter, ticker::nanoTime);
            servers.add(new PooledServer(
                    target,
                    client,
                    new ServerGate(client, target.display(), target.concurrency(), probeInterval, meanwhile, ticker),
                    concurrency,
                    target.autoConcurrency()
                            ? new ConcurrencyTuner(target.display(), target.concurrency(), concurrency::bound)
                            : null));
        }
        return new ServerPool(servers, maxOutage, ticker);
    }

    public List<PooledServer> servers() {
        return servers;
    }

    /** The most requests in flight on all servers together; with {@code concurrency: auto}, the most it may reach. */
    public int capacity() {
        return servers.stream().mapToInt(s -> s.target().concurrency()).sum();
    }

    /** Sends {@code model} only to the servers named (by display URL); without this call, to every server. */
    public void serve(String model, Set<String> urls) {
        byModel.put(
                model, servers.stream().filter(s -> urls.contains(s.display())).toList());
    }

    /**
     * Takes in a server that the checks before the run could not reach, once it answers them: until then it is
     * paused and probed with {@code check} as a server that went away, for every model of the run (so that the
     * requests waiting for a slot probe it, and an outage of the others is measured with it); then it takes the
     * requests of the models the check names, and no other model's.
     *
     * @param models the run's models ({@link #serve} must have been called for each)
     * @param check the checks of the server: the models it can run, or empty while it cannot be reached
     */
    public void awaitJoin(PooledServer server, Collection<String> models, Supplier<Optional<Set<String>>> check) {
        for (String model : models) {
            byModel.compute(model, (name, serving) -> {
                List<PooledServer> with = new ArrayList<>(serving == null ? List.of() : serving);
                if (!with.contains(server)) {
                    with.add(server);
                }
                return List.copyOf(with);
            });
        }
        server.gate().pausedUntilJoined(() -> {
            Optional<Set<String>> runs = check.get();
            runs.ifPresent(joined -> byModel.replaceAll((model, serving) -> joined.contains(model)
                    ? serving
                    : serving.stream().filter(other -> other != server).toList()));
            return runs.isPresent();
        });
    }

    /**
     * A slot for a request for {@code model}: on a server not in {@code avoid} when one of those is not paused,
     * else on any server that is not paused. Waits while every slot is taken or every server with the model is
     * paused, probing the paused ones when due.
     *
     * @throws GenerationFailedException when every server with the model has been away longer than max-outage
     */
    public Lease acquire(String model, Set<PooledServer> avoid) throws InterruptedException {
        List<PooledServer> candidates = candidates(model);
        while (true) {
            candidates.forEach(server -> server.gate().probeWhenDue());
            synchronized (this) {
                Lease lease = tryLease(candidates, avoid);
                if (lease != null) {
                    return lease;
                }
                if (!candidates.stream().allMatch(server -> server.gate().paused())) {
                    wait(WAIT.toMillis());
                    continue;
                }
            }
            failIfAwayTooLong(model, candidates);
            ticker.sleep(WAIT);
        }
    }

    /** Whether a server with {@code model} that is not paused is outside {@code avoid}. */
    public boolean hasAlternative(String model, Set<PooledServer> avoid) {
        return candidates(model).stream()
                .anyMatch(server -> !avoid.contains(server) && !server.gate().paused());
    }

    synchronized void released() {
        notifyAll();
    }

    private List<PooledServer> candidates(String model) {
        return byModel.getOrDefault(model, servers);
    }

    private Lease tryLease(List<PooledServer> candidates, Set<PooledServer> avoid) {
        List<PooledServer> up =
                candidates.stream().filter(server -> !server.gate().paused()).toList();
        List<PooledServer> preferred =
                up.stream().filter(server -> !avoid.contains(server)).toList();
        List<PooledServer> order = new ArrayList<>(preferred.isEmpty() ? up : preferred);
        order.sort(Comparator.comparingDouble(server -> server.concurrency().load()));
        for (PooledServer server : order) {
            AdaptiveConcurrency.Permit permit = server.concurrency().tryAcquire();
            if (permit == null) {
                continue;
            }
            if (server.gate().tryEnter()) {
                return new Lease(this, server, permit);
            }
            server.concurrency().release();
        }
        return null;
    }

    /**
     * After a request for {@code model} found its server away: fails the run when the outage has lasted longer than
     * max-outage. With one server for the model, the outage is the one this request has seen since its first away
     * failure in a row (the server may cut connections without its breaker opening); with several, only when every
     * server for the model has been away longer than max-outage, so that one record's bad luck on a dead server and a
     * cut connection on a live one cannot fail the run while a server is up.
     *
     * @param awayForRequest how long the request has found servers away, since its first such failure in a row
     * @param request the record, for the message
     * @throws GenerationFailedException when the outage ends the run
     */
    public void failIfAwayTooLong(String model, Duration awayForRequest, String request, OllamaException cause) {
        List<PooledServer> candidates = candidates(model);
        if (candidates.size() > 1) {
            failIfAwayTooLong(model, candidates);
            return;
        }
        if (awayForRequest.compareTo(maxOutage) > 0) {
            throw new GenerationFailedException(
                    request + ": " + cause.getMessage() + " for longer than max-outage (" + maxOutage.toSeconds()
                            + " s)",
                    cause);
        }
    }

    private void failIfAwayTooLong(String model, List<PooledServer> candidates) {
        Duration shortest = candidates.stream()
                .map(server -> server.gate().awayFor())
                .map(away -> away == null ? Duration.ZERO : away)
                .min(Comparator.naturalOrder())
                .orElse(Duration.ZERO);
        if (shortest.compareTo(maxOutage) <= 0) {
            return;
        }
        String limit = ", longer than max-outage (" + maxOutage.toSeconds() + " s)";
        throw new GenerationFailedException(
                candidates.size() == 1
                        ? "the server at " + candidates.get(0).display() + " has not answered for "
                                + shortest.toSeconds() + " s" + limit
                        : "no server with " + model + " has answered for " + shortest.toSeconds() + " s" + limit
                                + ": "
                                + candidates.stream().map(PooledServer::display).collect(Collectors.joining(", ")),
                null);
    }
}
