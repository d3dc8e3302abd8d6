package dev.promptbatch.output;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

import com.opencsv.CSVReader;
import com.opencsv.CSVReaderBuilder;
import com.opencsv.RFC4180ParserBuilder;
import com.opencsv.exceptions.CsvException;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import dev.promptbatch.openaibatch.BatchOutput;

/**
 * Reads a run's output back as records: JSON Lines as they are, CSV rows as the JSON records they were written
 * from (numbers as numbers, empty cells as absent, {@code input.NAME} columns as text).
 */
public final class OutputRecords {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private OutputRecords() {}

    public static void forEach(Path file, Consumer<JsonNode> handler) throws IOException {
        if (file.getFileName().toString().endsWith(".csv")) {
            forEachCsvRow(file, handler);
            return;
        }
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            for (int number = 1; (line = in.readLine()) != null; number++) {
                if (!line.isBlank()) {
                    try {
                        handler.accept(BatchOutput.toNative(JSON.readTree(line)));
                    } catch (JacksonException e) {
                        throw new IOException(file + ", line " + number + ": not a JSON record", e);
                    }
                }
            }
        }
    }

    /** The columns a CSV output file's header names, in order; none for an empty file. */
    public static List<String> csvColumns(Path file) throws IOException {
        try (CSVReader in = new CSVReaderBuilder(Files.newBufferedReader(file, StandardCharsets.UTF_8))
                .withCSVParser(new RFC4180ParserBuilder().build())
                .build()) {
            String[] header = in.readNext();
            return header == null ? List.of() : List.of(header);
        } catch (CsvException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    private static void forEachCsvRow(Path file, Consumer<JsonNode> handler) throws IOException {
        try (CSVReader in = new CSVReaderBuilder(Files.newBufferedReader(file, StandardCharsets.UTF_8))
                .withCSVParser(new RFC4180ParserBuilder().build())
                .build()) {
            String[] header = in.readNext();
            String[] row;
            while (header != null && (row = in.readNext()) != null) {
                ObjectNode record = JSON.createObjectNode();
                for (int i = 0; i < header.length && i < row.length; i++) {
                    if (!row[i].isEmpty()) {
                        put(record, header[i], row[i]);
                    }
                }
                handler.accept(record);
            }
        } catch (CsvException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * The seed of the pass an answer belongs to, as text, or null when it has none. An answer asked for again under
     * a {@code format} says the seed that produced it and its {@code reasks}: the pass's seed is the one before them,
     * which is what two runs' answers, and a sweep's seeds, are matched by.
     */
    public static String passSeed(JsonNode record) {
        JsonNode seed = record.path("seed");
        if (seed.isMissingNode() || seed.isNull()) {
            return null;
        }
        long reasks = record.path("reasks").asLong(0);
        return seed.isIntegralNumber() && reasks > 0 ? String.valueOf(seed.asLong() - reasks) : seed.asString();
    }

    private static void put(ObjectNode record, String column, String value) {
        if (column.equals("id")
                || column.equals("model")
                || column.equals("server")
                || column.equals("response")
                || column.equals("thinking")
                || column.equals("done_reason")
                || column.startsWith("input.")
                || column.startsWith("json.")) {
            record.put(column, value);
            return;
        }
        try {
            record.put(column, Long.parseLong(value));
        } catch (NumberFormatException notWhole) {
            try {
                record.put(column, Double.parseDouble(value));
            } catch (NumberFormatException notNumber) {
                record.put(column, value);
            }
        }
    }
}
