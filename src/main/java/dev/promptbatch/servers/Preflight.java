package dev.promptbatch.servers;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;

import dev.promptbatch.ollama.ModelInfo;
import dev.promptbatch.ollama.ServerCheck;
import dev.promptbatch.ollama.ServerClient;
import dev.promptbatch.spec.Endpoint;
import dev.promptbatch.spec.JobSpec;

/**
 * The checks before a run, on every server at once: its version and models. A server that lacks a model is left out
 * for that model with a warning, as long as another server can take its requests; a model that no server can run
 * stands in the way. A server that cannot be reached starts the run paused, with a warning, and is checked the same
 * way when it answers ({@link #join}). The same model with different digests on two servers is a warning: their
 * answers are not comparable. With one server, its own check's words are kept.
 */
public final class Preflight {
    /**
     * What the checks found.
     *
     * @param servers each server's own check, in the run's order
     * @param serversByModel for each wanted model, the URLs of the servers that can run it
     * @param problems what stands in the way, each with how to fix it
     * @param warnings what is odd but no obstacle
     */
    public record Result(
            List<ServerCheck.Result> servers,
            Map<String, Set<String>> serversByModel,
            List<String> problems,
            List<String> warnings) {
        public boolean ok() {
            return problems.isEmpty();
        }
    }

    /** A server to check: its URL without credentials and a client for it. */
    public record Target(String url, ServerClient client) {}

    private Preflight() {}

    /** What every model of the job must be able to do: embed, or generate text; and see, when it sends images. */
    public static List<ServerCheck.Need> needs(JobSpec spec) {
        if (spec.batchInput()) {
            // Each line names its endpoint: a model may embed on one line and chat on another.
            return List.of();
        }
        List<ServerCheck.Need> needs = new ArrayList<>();
        needs.add(
                spec.generation().endpoint() == Endpoint.EMBED
                        ? ServerCheck.Need.EMBEDDING
                        : ServerCheck.Need.COMPLETION);
        if (spec.input().images().any()) {
            needs.add(ServerCheck.Need.VISION);
        }
        return List.copyOf(needs);
    }

    /** @param needs the capabilities every model must have ({@link #needs(JobSpec)}) */
    public static Result check(List<Target> targets, List<String> models, Object think, List<ServerCheck.Need> needs)
            throws InterruptedException {
        List<ServerCheck.Result> checks = checkAll(targets, models, think, needs);
        Map<String, Set<String>> byModel = new LinkedHashMap<>();
        for (String model : models) {
            byModel.put(
                    model,
                    checks.stream()
                            .filter(check -> check.usable().containsKey(model))
                            .map(ServerCheck.Result::url)
                            .collect(Collectors.toCollection(LinkedHashSet::new)));
        }
        List<String> warnings = new ArrayList<>();
        checks.forEach(check -> warnings.addAll(check.warnings()));
        if (checks.size() == 1) {
            return new Result(checks, byModel, checks.get(0).problems(), warnings);
        }
        List<String> problems = new ArrayList<>();
        for (ServerCheck.Result check : checks) {
            if (check.denied()) {
                problems.addAll(check.problems());
            } else if (!check.reached()) {
                warnings.add("the server at " + check.url() + " is left out until it answers (probed every few "
                        + "seconds): " + String.join(" ", check.problems()));
            }
        }
        for (String model : models) {
            List<ServerCheck.Result> lacking = checks.stream()
                    .filter(check -> check.reached() && !check.usable().containsKey(model))
                    .toList();
            if (byModel.get(model).isEmpty()) {
                problems.add("no server can run model '" + model + "': "
                        + checks.stream()
                                .map(check -> check.reached()
                                        ? reason(check, model)
                                        : "the server at " + check.url() + " cannot be reached")
                                .collect(Collectors.joining("; ")));
                continue;
            }
            for (ServerCheck.Result check : lacking) {
                warnings.add("the server at " + check.url() + " is left out for model '" + model + "': "
                        + reason(check, model));
            }
            differentDigests(checks, model).ifPresent(warnings::add);
        }
        return new Result(checks, byModel, problems, warnings);
    }

    /**
     * A server's checks when it answers after the checks before the run could not reach it: the same checks, the
     * models it can run, and what to warn of (a model it lacks, a digest that differs from another server's,
     * credentials it refuses: then it runs nothing).
     *
     * @param others the checks of the servers that answered before
     * @return the result, or empty while the server still cannot be reached
     */
    public static Optional<Joined> join(
            Target target,
            List<String> models,
            Object think,
            List<ServerCheck.Need> needs,
            List<ServerCheck.Result> others) {
        ServerCheck.Result check = ServerCheck.check(target.client(), target.url(), models, think, needs);
        if (!check.reached() && !check.denied()) {
            return Optional.empty();
        }
        List<String> warnings = new ArrayList<>(check.warnings());
        if (check.denied()) {
            warnings.add(String.join(" ", check.problems()) + " The server stays out of this run.");
            return Optional.of(new Joined(check, Set.of(), warnings));
        }
        List<ServerCheck.Result> all = new ArrayList<>(others);
        all.add(check);
        Set<String> runs = new LinkedHashSet<>();
        for (String model : models) {
            if (!check.usable().containsKey(model)) {
                warnings.add("the server at " + check.url() + " is left out for model '" + model + "': "
                        + reason(check, model));
                continue;
            }
            runs.add(model);
            differentDigests(all, model).ifPresent(warnings::add);
        }
        return Optional.of(new Joined(check, runs, warnings));
    }

    /**
     * What {@link #join} found.
     *
     * @param models the models the server takes requests for
     */
    public record Joined(ServerCheck.Result check, Set<String> models, List<String> warnings) {}

    /** The warning that {@code model} has different digests on the servers checked, if it has. */
    private static Optional<String> differentDigests(List<ServerCheck.Result> checks, String model) {
        Map<String, List<String>> urlsByDigest = new LinkedHashMap<>();
        for (ServerCheck.Result check : checks) {
            ModelInfo info = check.usable().get(model);
            if (info != null && !info.digest().isEmpty()) { // OpenAI-compatible servers tell no digest
                urlsByDigest
                        .computeIfAbsent(String.valueOf(info.digest()), digest -> new ArrayList<>())
                        .add(check.url());
            }
        }
        if (urlsByDigest.size() < 2) {
            return Optional.empty();
        }
        return Optional.of("model '" + model + "' differs between servers ("
                + urlsByDigest.entrySet().stream()
                        .map(e -> "digest " + shortDigest(e.getKey()) + " on " + String.join(", ", e.getValue()))
                        .collect(Collectors.joining("; "))
                + "): their answers are not comparable");
    }

    private static String reason(ServerCheck.Result check, String model) {
        return check.problems().stream()
                .filter(problem -> problem.contains("'" + model + "'"))
                .findFirst()
                .orElse("model '" + model + "' cannot run on the server at " + check.url());
    }

    private static String shortDigest(String digest) {
        return digest.length() > 12 ? digest.substring(0, 12) : digest;
    }

    /** Every server's check, at once, so that one slow server does not hold up the others'. */
    private static List<ServerCheck.Result> checkAll(
            List<Target> targets, List<String> models, Object think, List<ServerCheck.Need> needs)
            throws InterruptedException {
        if (targets.size() == 1) {
            Target only = targets.get(0);
            return List.of(ServerCheck.check(only.client(), only.url(), models, think, needs));
        }
        ExecutorService executor = Executors.newFixedThreadPool(targets.size(), runnable -> {
            Thread thread = new Thread(runnable, "preflight");
            thread.setDaemon(true);
            return thread;
        });
        try {
            List<Future<ServerCheck.Result>> futures = new ArrayList<>();
            for (Target target : targets) {
                futures.add(
                        executor.submit(() -> ServerCheck.check(target.client(), target.url(), models, think, needs)));
            }
            List<ServerCheck.Result> results = new ArrayList<>();
            for (Future<ServerCheck.Result> future : futures) {
                try {
                    results.add(future.get());
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof RuntimeException runtime) {
                        throw runtime;
                    }
                    throw new CancellationException(e.getMessage());
                }
            }
            return results;
        } finally {
            executor.shutdownNow();
        }
    }
}
