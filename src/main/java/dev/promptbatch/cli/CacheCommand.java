package dev.promptbatch.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import dev.promptbatch.cache.CachePruning;
import dev.promptbatch.output.Sizes;
import dev.promptbatch.spec.JobSpec;

/** {@code cache prune}: looks after the answer cache, which runs only ever add to. */
@Command(
        name = "cache",
        mixinStandardHelpOptions = true,
        description = "Looks after the answer cache (see --cache of run and batch).",
        subcommands = CacheCommand.Prune.class)
final class CacheCommand implements Callable<Integer> {
    private final CliEnvironment environment;

    CacheCommand(CliEnvironment environment) {
        this.environment = environment;
    }

    /** Without a subcommand there is nothing to do: that is a usage error. */
    @Override
    public Integer call() {
        environment.err().println("promptbatch cache: a subcommand is needed: prune");
        return ExitCode.NOTHING_RUN;
    }

    /** {@code cache prune [DIR] --unused-for AGE}: removes the entries not used for a while. */
    @Command(
            name = "prune",
            mixinStandardHelpOptions = true,
            description = {
                "Removes the answers of the cache that no run has written or read for AGE, and the temporary files "
                        + "of writes cut short; keeps everything else. Runs may use the cache meanwhile.",
                "Exit codes: 0 pruned; 2 nothing was done (no cache there, or a bad AGE)."
            })
    static final class Prune implements Callable<Integer> {
        private static final Pattern AGE = Pattern.compile("(\\d{1,6})(d|h)");

        @Parameters(
                index = "0",
                arity = "0..1",
                paramLabel = "DIR",
                defaultValue = JobSpec.Output.DEFAULT_CACHE,
                description = "The cache (default ${DEFAULT-VALUE}).")
        Path directory;

        @Option(
                names = "--unused-for",
                required = true,
                paramLabel = "AGE",
                description = "How long an answer may go unused before it is removed: days or hours, e.g. 30d, 12h.")
        String unusedFor;

        private final CliEnvironment environment;

        Prune(CliEnvironment environment) {
            this.environment = environment;
        }

        @Override
        public Integer call() {
            Matcher age = AGE.matcher(unusedFor.trim());
            if (!age.matches()) {
                throw new CommandRefusedException(
                        "--unused-for: expected days or hours such as 30d or 12h, got '" + unusedFor + "'");
            }
            long amount = Long.parseLong(age.group(1));
            Duration unused = age.group(2).equals("d") ? Duration.ofDays(amount) : Duration.ofHours(amount);
            Path cache = environment.workingDirectory().resolve(directory).normalize();
            if (!Files.isDirectory(cache)) {
                throw new CommandRefusedException("cache prune: no cache at " + cache);
            }
            CachePruning.Result result =
                    CachePruning.prune(cache, Clock.systemUTC().instant().minus(unused));
            var out = environment.out();
            out.println("Removed " + entries(result.removed()) + " not used for " + unusedFor.trim() + " ("
                    + Sizes.readable(result.removedBytes()) + "); kept " + entries(result.kept()) + " ("
                    + Sizes.readable(result.keptBytes()) + ") in " + directory + ".");
            if (result.removedTemporary() > 0) {
                out.println("Removed " + result.removedTemporary() + " temporary file"
                        + (result.removedTemporary() == 1 ? "" : "s") + " of writes cut short.");
            }
            return ExitCode.OK;
        }

        private static String entries(long n) {
            return n + " answer" + (n == 1 ? "" : "s");
        }
    }
}
