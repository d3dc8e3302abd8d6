package dev.promptbatch.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import dev.promptbatch.generation.DuplicateIds;
import dev.promptbatch.generation.InputCheck;
import dev.promptbatch.generation.RequestBuilder;
import dev.promptbatch.generation.WorkItem;
import dev.promptbatch.generation.WorkPlan;
import dev.promptbatch.images.ImageLoader;
import dev.promptbatch.input.DataRecord;
import dev.promptbatch.input.InputRecord;
import dev.promptbatch.input.RecordReader;
import dev.promptbatch.ollama.ChatRequest;
import dev.promptbatch.ollama.GenerateRequest;
import dev.promptbatch.ollama.ServerCheck;
import dev.promptbatch.openaibatch.BatchRequests;
import dev.promptbatch.servers.Preflight;
import dev.promptbatch.servers.ServerTarget;
import dev.promptbatch.servers.Ticker;
import dev.promptbatch.spec.JobSpec;

/** {@code validate SPEC}: checks everything a run would need, and generates nothing. */
@Command(
        name = "validate",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Checks the spec, every input record, the templates (showing the first rendered prompt), "
                    + "the server and its models, then estimates the run's time from "
                    + RunEstimate.SAMPLES
                    + " sample requests per model (none with --no-estimate).",
            "Exit codes: 0 everything is ready; 2 something is not, and the report says what."
        })
final class ValidateCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "SPEC", description = "The job spec (YAML).")
    Path specFile;

    @Mixin
    SharedOptions.Param parameters;

    @Mixin
    SharedOptions.BaseUrl baseUrl;

    @Option(
            names = "--max-listed",
            paramLabel = "N",
            description = "Bad records to list at most (default ${DEFAULT-VALUE}).")
    int maxListed = 20;

    @Option(
            names = "--no-estimate",
            description = "Send no sample request: check only, and print no estimate of the run's time.")
    boolean noEstimate;

    @Mixin
    SharedOptions.Simulator simulator;

    @Mixin
    SharedOptions.StrictParams strictParams;

    private final CliEnvironment environment;

    /** The first good records, which the estimate sends. */
    private final List<InputRecord> samples = new ArrayList<>();

    private long goodRecords;

    ValidateCommand(CliEnvironment environment) {
        this.environment = environment;
    }

    @Override
    public Integer call() {
        PrintWriter out = environment.out();
        JobSpec spec = SpecWithParameters.load(environment, specFile, parameters.values, strictParams.on);
        InputCheck.check(spec);
        out.println("Spec " + specFile + ": " + spec.name() + ", models "
                + String.join(", ", spec.generation().models()) + ", output "
                + environment.shown(spec.output().file()));
        boolean ready = checkRecords(spec, out);
        try (ChosenServer server = ChosenServer.of(spec, baseUrl, simulator, environment)) {
            Preflight.Result checked = checkServers(spec, server.targets(), out);
            ready &= checked.ok();
            if (!noEstimate) {
                new RunEstimate(spec, Ticker.SYSTEM)
                        .lines(samples, goodRecords, server.targets(), checked)
                        .forEach(out::println);
            }
        }
        out.println(ready ? "Ready to run." : "Not ready: see above.");
        return ready ? ExitCode.OK : ExitCode.NOTHING_RUN;
    }

    /** An OpenAI Batch line as what a record becomes: a bad record, a question, or the text to embed. */
    private static RequestBuilder.Prepared batchLine(BatchRequests lines, WorkItem item) {
        BatchRequests.Prepared prepared = lines.prepare(item);
        if (prepared instanceof BatchRequests.Bad bad) {
            return new RequestBuilder.Bad(bad.failure());
        }
        if (prepared instanceof BatchRequests.Ask ask) {
            return ask.ready();
        }
        BatchRequests.Embed embed = (BatchRequests.Embed) prepared;
        return new RequestBuilder.Input(
                embed.id(), embed.record(), String.join("\n", embed.request().input()), Map.of());
    }

    private boolean checkRecords(JobSpec spec, PrintWriter out) {
        RequestBuilder requests = new RequestBuilder(spec);
        BatchRequests batchLines = spec.batchInput() ? new BatchRequests(spec) : null;
        long records = 0;
        List<String> bad = new ArrayList<>();
        long badCount = 0;
        RequestBuilder.Ready first = null;
        boolean anyImage = false;
        ImageLoader imageFields = new ImageLoader(spec.input().images());
        DuplicateIds ids = new DuplicateIds(
                spec.input().file(), spec.input().maxRecordBytes(), spec.input().idField());
        try (RecordReader reader = RecordReader.open(
                spec.input().file(), spec.input().maxRecordBytes(), spec.input().format())) {
            for (InputRecord record = reader.next(); record != null; record = reader.next()) {
                records++;
                anyImage |= record instanceof DataRecord data && imageFields.anyImageField(data.fields());
                WorkItem item = new WorkItem(
                        record, WorkPlan.cellOf(WorkPlan.passes(spec).get(0), record));
                RequestBuilder.Prepared prepared =
                        batchLines == null ? requests.prepare(item) : batchLine(batchLines, item);
                Object id;
                if (prepared instanceof RequestBuilder.Bad failure) {
                    id = failure.failure().id();
                    badCount++;
                    if (bad.size() < maxListed) {
                        bad.add("  line " + failure.failure().line() + ": "
                                + failure.failure().message());
                    }
                } else if (prepared instanceof RequestBuilder.Ready ready) {
                    id = ready.id();
                    first = first == null ? ready : first;
                    if (samples.size() < RunEstimate.sampleRecords(spec)) {
                        samples.add(record);
                    }
                } else {
                    id = ((RequestBuilder.Input) prepared).id();
                }
                if (spec.input().idField() != null && id != null) {
                    ids.add(id, record.line());
                }
            }
        }
        if (records == 0) {
            InputWarnings.empty(environment, spec);
        } else if (spec.input().images().any() && !anyImage) {
            InputWarnings.noImages(environment, spec);
        }
        ids.describe().ifPresent(text -> InputWarnings.duplicates(environment, spec, text));
        Path input = environment.shown(spec.input().file());
        out.println("Input " + input + ": " + records + " records, " + (records - badCount) + " good, " + badCount
                + " bad" + (badCount == 0 ? "" : ":"));
        bad.forEach(out::println);
        goodRecords = records - badCount;
        if (badCount > bad.size()) {
            out.println("  ... and " + (badCount - bad.size()) + " more");
        }
        if (first != null) {
            out.println("First prompt (record " + first.record().number() + ", line "
                    + first.record().line() + "):");
            if (first.request() instanceof ChatRequest chat) {
                for (ChatRequest.Message message : chat.messages()) {
                    String label = ("  " + message.role() + ": ");
                    out.println(label + message.content().replace("\n", "\n" + " ".repeat(label.length())));
                }
            } else {
                GenerateRequest generate = (GenerateRequest) first.request();
                if (generate.system() != null) {
                    out.println("  system: " + generate.system().replace("\n", "\n          "));
                }
                out.println("  prompt: " + generate.prompt().replace("\n", "\n          "));
            }
            List<String> images = first.request().images();
            if (images != null) {
                out.println("  images: " + images.size() + " ("
                        + images.stream().mapToLong(String::length).sum() + " characters of base64)");
            }
        }
        return badCount == 0;
    }

    /** Every server's checks at once, as a run makes them: a server away or without a model is a warning. */
    private Preflight.Result checkServers(JobSpec spec, List<ServerTarget> servers, PrintWriter out) {
        List<Preflight.Target> targets = servers.stream()
                .map(server -> new Preflight.Target(
                        server.display(), server.client(spec.limits().timeout(), 1)))
                .toList();
        Preflight.Result result;
        try {
            result = Preflight.check(
                    targets, spec.generation().models(), spec.generation().think(), Preflight.needs(spec));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CommandRefusedException("interrupted while checking the servers", e);
        }
        for (ServerCheck.Result server : result.servers()) {
            if (server.version() != null) {
                out.println("Server " + server.url() + ": " + server.describe() + ", "
                        + server.models().size() + (server.models().size() == 1 ? " model" : " models")
                        + (simulator.on ? " (the built-in simulator: answers are synthetic)" : ""));
            }
        }
        result.warnings().forEach(warning -> out.println("  warning: " + warning));
        result.problems().forEach(problem -> out.println("  " + problem));
        return result;
    }
}
