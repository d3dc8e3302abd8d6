package dev.promptbatch.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import dev.promptbatch.output.OutputComparison;

/** {@code diff A B}: do two runs give the same answers? */
@Command(
        name = "diff",
        mixinStandardHelpOptions = true,
        description = {
            "Compares two runs' answers by (id, model, seed, variant, repeat): identical, different, "
                    + "or only in one run. Texts are identical when equal, embeddings when their cosine "
                    + "similarity is at least --min-cosine.",
            "Exit codes: 0 all identical; 1 some differ or are missing; 2 a file cannot be read."
        })
final class DiffCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "A", description = "An output file (.jsonl or .csv).")
    Path a;

    @Parameters(index = "1", paramLabel = "B", description = "Another output file (.jsonl or .csv).")
    Path b;

    @Option(
            names = "--min-cosine",
            paramLabel = "C",
            description = "Embeddings at least this similar (cosine, 0 to 1) are identical; default 0.999999.")
    double minCosine = OutputComparison.DEFAULT_MIN_COSINE;

    private final CliEnvironment environment;

    DiffCommand(CliEnvironment environment) {
        this.environment = environment;
    }

    @Override
    public Integer call() {
        if (!(minCosine >= 0 && minCosine <= 1)) {
            throw new CommandRefusedException("--min-cosine: expected a number from 0 to 1, got " + minCosine);
        }
        Path first = environment.workingDirectory().resolve(a);
        Path second = environment.workingDirectory().resolve(b);
        for (Path file : new Path[] {first, second}) {
            if (!Files.isRegularFile(file)) {
                throw new CommandRefusedException(file + ": no such output file");
            }
        }
        OutputComparison comparison;
        try {
            comparison = OutputComparison.of(first, second, minCosine);
        } catch (IOException e) {
            throw new CommandRefusedException(e.getMessage(), e);
        }
        environment.out().print(comparison.report());
        return comparison.identical() ? ExitCode.OK : ExitCode.DIFFERENT;
    }
}
