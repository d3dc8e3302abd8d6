package dev.promptbatch.spec;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.NullMarked;
import org.jspecify.annotations.Nullable;

import dev.promptbatch.input.InputFormat;
import dev.promptbatch.output.OutputFormat;

/**
 * A job spec with parameters substituted and every key checked, grouped by concern: the records read, what is asked
 * of the server for each, the sweep over them, where the answers go, the limits the run keeps, and the server.
 * {@link SpecValues} lists the values key by key, and which of them shape the answers.
 */
@NullMarked
public record JobSpec(
        Path specFile,
        String name,
        Input input,
        Generation generation,
        Sweep sweep,
        Output output,
        Limits limits,
        Server server,
        Chat chat,
        @Nullable Embedding embedding) {

    /**
     * Where the records come from.
     *
     * @param idField        the input field whose value identifies a record, or null for the record's number
     * @param maxRecordBytes the longest input line (and CSV record) in bytes; a longer one is a bad record
     * @param images         the fields that hold each record's images
     * @param format         how the file's lines become records: CSV, JSON Lines, or OpenAI Batch requests
     */
    public record Input(Path file, @Nullable String idField, int maxRecordBytes, Images images, InputFormat format) {}

    /**
     * The input fields whose values are sent as images with each record's request.
     *
     * @param fields    the {@code images} fields, in the spec's order; empty when the job sends no images
     * @param maxBytes  the largest image, in bytes ({@code max-image-size}); a larger one is a bad record
     * @param directory where relative image paths resolve: the working directory, as for the spec's own paths
     */
    public record Images(List<String> fields, long maxBytes, Path directory) {
        public static final long DEFAULT_MAX_BYTES = 20L << 20;

        public boolean any() {
            return !fields.isEmpty();
        }
    }

    /**
     * What each request asks of the server.
     *
     * @param system    the system template, or null
     * @param prompt    the prompt template; null for a chat job that gives {@code messages} instead
     * @param options   Ollama options, sent as given
     * @param format    null, "json" or a JSON Schema object (a Map)
     * @param think     null (not sent), a Boolean, or a level string
     * @param keepAlive null (not sent), a duration string with a unit, or a number of seconds
     * @param endpoint  where the requests go: generate (the default), chat or embed; an OpenAI Batch line's own
     *                  {@code url} decides for that line
     * @param modelPerLine an OpenAI Batch input without {@code model}: each line asks its body's model, and
     *                  {@code models} lists those of the whole file (for the checks before the run)
     */
    public record Generation(
            List<String> models,
            @Nullable String system,
            @Nullable String prompt,
            Map<String, Object> options,
            @Nullable Object format,
            @Nullable Object think,
            @Nullable Object keepAlive,
            Endpoint endpoint,
            boolean modelPerLine) {}

    /**
     * How an {@code endpoint: embed} job sends its records: {@code batch-size} of them per request.
     *
     * @param dimensions Ollama's {@code dimensions}, or null (not sent)
     * @param truncate   Ollama's {@code truncate}, or null (not sent: Ollama truncates)
     */
    public record Embedding(
            int batchSize,
            @Nullable Integer dimensions,
            @Nullable Boolean truncate) {
        public static final int DEFAULT_BATCH_SIZE = 16;
        public static final int MAX_BATCH_SIZE = 1024;
    }

    /**
     * A chat job's {@code messages}: role and content templates, sent in order. Empty for a chat job that gives
     * {@code system} and {@code prompt} (they become a system and a user message) and for other endpoints.
     */
    public record Chat(List<Message> messages) {
        public static final List<String> ROLES = List.of("system", "user", "assistant", "tool");
        public static final Chat NONE = new Chat(List.of());
    }

    /** One message template: a role from {@link Chat#ROLES} and its content, with {@code {{field}}} as in prompts. */
    public record Message(String role, String content) {}

    /**
     * The passes over the input besides one per model.
     *
     * @param seeds    sweep seeds (each overrides options.seed), or empty
     * @param variants sweep option sets, each merged over {@code options}, or empty
     * @param repeat   repetitions of every combination, or null when the spec does not sweep repeats
     */
    public record Sweep(
            List<Long> seeds,
            List<Map<String, Object>> variants,
            @Nullable Integer repeat) {}

    /**
     * Where the answers go.
     *
     * @param include input fields copied into every output record
     * @param report  the HTML report to write at the end, or null
     * @param metrics the metrics file for monitoring ({@code PATH.prom}), or null
     * @param format  the shape of the lines: PromptBatch's records (JSON Lines or CSV) or OpenAI Batch output
     * @param cache   the directory of the answer cache ({@code cache}, {@code --cache}), or null for none
     */
    public record Output(
            Path file,
            List<String> include,
            @Nullable Path report,
            @Nullable Path metrics,
            OutputFormat format,
            @Nullable Path cache) {
        /** Where {@code cache: true} and {@code --cache} without a directory keep it: in the working directory. */
        public static final String DEFAULT_CACHE = ".promptbatch/cache";

        /** Output without a cache. */
        public Output(
                Path file, List<String> include, @Nullable Path report, @Nullable Path metrics, OutputFormat format) {
            this(file, include, report, metrics, format, null);
        }
    }

    /**
     * How hard the run pushes the server and how much trouble it takes before it fails: a resumed run may change
     * them without changing its answers.
     *
     * @param concurrency     requests in flight at most on each server that sets none of its own; with
     *                        {@code autoConcurrency}, the default, which the simulator takes for its slots
     * @param maxOutage       how long to wait out an unreachable server before the run fails
     * @param maxFailures     the error budget
     * @param autoConcurrency {@code concurrency: auto}: each server without a concurrency of its own is tuned to
     *                        the level where its tokens/s stop rising
     * @param schemaRetries   how many times an answer that breaks the {@code format} is asked for again, each time
     *                        with the next seed; like {@code retry}, it decides how hard the run tries, not what an
     *                        answer says
     */
    public record Limits(
            int concurrency,
            Duration timeout,
            RetrySpec retry,
            Duration maxOutage,
            ErrorBudget maxFailures,
            boolean autoConcurrency,
            int schemaRetries) {
        public static final int DEFAULT_CONCURRENCY = 4;
        public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(10);
        public static final Duration DEFAULT_MAX_OUTAGE = Duration.ofMinutes(10);
        public static final int DEFAULT_SCHEMA_RETRIES = 2;
        public static final int MAX_SCHEMA_RETRIES = 10;

        Limits withConcurrency(int newConcurrency) {
            return new Limits(newConcurrency, timeout, retry, maxOutage, maxFailures, false, schemaRetries);
        }
    }

    /**
     * Where the requests go: {@code server.base-url} or {@code servers}, never both; neither leaves it to the
     * command line and the environment.
     *
     * @param baseUrl   {@code server.base-url}, or null
     * @param api       {@code server.api}: the API of the one server (also when {@code --base-url} or the
     *                  environment gives its URL)
     * @param apiKeyEnv {@code server.api-key-env}: the environment variable holding its bearer token, or null
     * @param servers   the {@code servers} list in the spec's order, or empty
     */
    public record Server(
            @Nullable String baseUrl,
            ServerApi api,
            @Nullable String apiKeyEnv,
            List<ServerEntry> servers) {
        /** Whether any server the spec names speaks the OpenAI-compatible API. */
        public boolean anyOpenAi() {
            return api == ServerApi.OPENAI || servers.stream().anyMatch(entry -> entry.api() == ServerApi.OPENAI);
        }
    }

    /**
     * One {@code servers} entry.
     *
     * @param concurrency     its own bound on requests in flight, or null for the job's
     * @param autoConcurrency {@code concurrency: auto}
     * @param api             the API it speaks
     * @param apiKeyEnv       the environment variable holding its bearer token, or null
     */
    public record ServerEntry(
            ServerUrl url,
            @Nullable Integer concurrency,
            boolean autoConcurrency,
            ServerApi api,
            @Nullable String apiKeyEnv) {}

    /** Whether each input line is an OpenAI Batch request of its own, rather than a record for the templates. */
    public boolean batchInput() {
        return input.format() == InputFormat.OPENAI_BATCH;
    }

    /** Whether the job embeds its records in batches rather than asking for one answer per record. */
    public boolean embeds() {
        return generation.endpoint() == Endpoint.EMBED;
    }

    /** Records per request: the embed job's batch size, else 1. */
    public int unitSize() {
        return embedding == null ? 1 : embedding.batchSize();
    }

    /** The same job with its answer cache in {@code directory} ({@code --cache}). */
    public JobSpec withCache(Path directory) {
        return new JobSpec(
                specFile,
                name,
                input,
                generation,
                sweep,
                new Output(
                        output.file(), output.include(), output.report(), output.metrics(), output.format(), directory),
                limits,
                server,
                chat,
                embedding);
    }

    public JobSpec withConcurrency(int newConcurrency) {
        return new JobSpec(
                specFile,
                name,
                input,
                generation,
                sweep,
                output,
                limits.withConcurrency(newConcurrency),
                server,
                chat,
                embedding);
    }
}
