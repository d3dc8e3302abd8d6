package dev.promptbatch.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.opencsv.CSVReader;
import com.opencsv.CSVReaderBuilder;
import com.opencsv.RFC4180ParserBuilder;
import com.opencsv.exceptions.CsvException;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** A working directory with a spec and an input file, and the CLI run in it as a user would run it. */
final class JobFixture {
    static final JsonMapper JSON = JsonMapper.builder().build();

    final Path dir;
    final URI server;
    String out = "";
    String err = "";
    /** The environment variables the commands see. */
    Map<String, String> variables = Map.of();

    JobFixture(Path dir, URI server) {
        this.dir = dir;
        this.server = server;
    }

    Path write(String name, String content) {
        try {
            Path file = dir.resolve(name);
            Files.createDirectories(file.getParent());
            Files.writeString(file, content, StandardCharsets.UTF_8);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A CSV with columns n,text and rows {@code N,record N} for N from 1 to count; returns its content. */
    String numberedRecords(String name, int count) {
        StringBuilder csv = new StringBuilder("n,text\n");
        for (int n = 1; n <= count; n++) {
            csv.append(n).append(",record ").append(n).append('\n');
        }
        write(name, csv.toString());
        return csv.toString();
    }

    /** Runs {@code promptbatch ARGS} against the fixture's server and database; returns the exit code. */
    int run(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        if (all.get(0).equals("run")) {
            all.addAll(List.of(
                    "--base-url",
                    server.toString(),
                    "--db",
                    dir.resolve("state/db").toString()));
        }
        return runAsIs(all.toArray(String[]::new));
    }

    int runAsIs(String... args) {
        StringWriter stdout = new StringWriter();
        StringWriter stderr = new StringWriter();
        int code = PromptBatchCli.execute(
                new CliEnvironment(variables, dir, new PrintWriter(stdout, true), new PrintWriter(stderr, true)), args);
        out = stdout.toString();
        err = stderr.toString();
        return code;
    }

    List<JsonNode> jsonLines(String name) {
        try {
            List<JsonNode> records = new ArrayList<>();
            for (String line : Files.readAllLines(dir.resolve(name), StandardCharsets.UTF_8)) {
                records.add(JSON.readTree(line));
            }
            return records;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    List<String> lines(String name) {
        try {
            return Files.readAllLines(dir.resolve(name), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** CSV rows as column-name maps, parsed by an RFC 4180 reader. */
    List<Map<String, String>> csvRows(String name) {
        try (CSVReader reader = new CSVReaderBuilder(new StringReader(Files.readString(dir.resolve(name))))
                .withCSVParser(new RFC4180ParserBuilder().build())
                .build()) {
            List<String[]> rows = reader.readAll();
            List<Map<String, String>> records = new ArrayList<>();
            for (String[] row : rows.subList(1, rows.size())) {
                Map<String, String> record = new LinkedHashMap<>();
                for (int i = 0; i < row.length; i++) {
                    record.put(rows.get(0)[i], row[i]);
                }
                records.add(record);
            }
            return records;
        } catch (IOException | CsvException e) {
            throw new IllegalStateException(e);
        }
    }

    /** What the server answers for exactly this request: the expected response of a seeded job. */
    String expectedResponse(String model, String system, String prompt, Map<String, Object> options) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("model", model);
        body.put("prompt", prompt);
        if (system != null) {
            body.put("system", system);
        }
        body.put("stream", false);
        body.put("options", options);
        try {
            HttpResponse<String> response = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(server.resolve("/api/generate"))
                                    .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            return JSON.readTree(response.body()).get("response").asString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
