package dev.promptbatch.cli;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import dev.promptbatch.report.HtmlReport;

/** {@code report OUTPUT [--out FILE.html]}: the HTML report of a run, from its output and the files beside it. */
@Command(
        name = "report",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Writes one self-contained HTML file about a run: totals, statistics per model and variant, "
                    + "charts of speed, latency and output length, and the manifest's details. It opens offline.",
            "Exit codes: 0 written; 2 the output could not be read or the report not written."
        })
final class ReportCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "OUTPUT", description = "The run's output (.jsonl or .csv).")
    Path output;

    @Option(
            names = "--out",
            paramLabel = "FILE.html",
            description = "Where to write the report " + "(default: NAME.html beside the output).")
    Path out;

    private final CliEnvironment environment;

    ReportCommand(CliEnvironment environment) {
        this.environment = environment;
    }

    @Override
    public Integer call() {
        Path source = environment.workingDirectory().resolve(output);
        String name = source.getFileName().toString();
        if (!name.endsWith(".jsonl") && !name.endsWith(".csv")) {
            throw new CommandRefusedException(output + " is not a run's output: a .jsonl or .csv file is needed");
        }
        if (!Files.isRegularFile(source)) {
            throw new CommandRefusedException("no output file at " + output);
        }
        Path html = out != null
                ? environment.workingDirectory().resolve(out)
                : source.resolveSibling(name.substring(0, name.lastIndexOf('.')) + ".html");
        if (html.toAbsolutePath().normalize().equals(source.toAbsolutePath().normalize())) {
            throw new CommandRefusedException("the report would overwrite the output " + output);
        }
        try {
            HtmlReport.write(source, html);
        } catch (UncheckedIOException e) {
            throw new CommandRefusedException(e.getCause().getMessage(), e);
        }
        environment.out().println("Report: " + html);
        return ExitCode.OK;
    }
}
