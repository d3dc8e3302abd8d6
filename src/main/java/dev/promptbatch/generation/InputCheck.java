package dev.promptbatch.generation;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.promptbatch.input.InputException;
import dev.promptbatch.input.RecordReader;
import dev.promptbatch.prompt.PromptTemplate;
import dev.promptbatch.prompt.TemplateException;
import dev.promptbatch.spec.JobSpec;
import dev.promptbatch.spec.SpecException;

/**
 * What can be known to be wrong before any record is sent: templates that do not parse, an input file that cannot
 * be opened, and CSV columns that the templates, id-field, include or images name but the header lacks (every record
 * would fail the same way).
 */
public final class InputCheck {
    private InputCheck() {}

    public static void check(JobSpec spec) {
        Map<String, PromptTemplate> templates = new LinkedHashMap<>();
        if (spec.generation().prompt() != null) {
            templates.put("prompt", parse(spec, "prompt", spec.generation().prompt()));
        }
        if (spec.generation().system() != null) {
            templates.put("system", parse(spec, "system", spec.generation().system()));
        }
        List<JobSpec.Message> messages = spec.chat().messages();
        for (int i = 0; i < messages.size(); i++) {
            String key = "messages[" + (i + 1) + "].content";
            templates.put(key, parse(spec, key, messages.get(i).content()));
        }
        List<String> columns;
        try (RecordReader reader = RecordReader.open(
                spec.input().file(), spec.input().maxRecordBytes(), spec.input().format())) {
            columns = reader.columns();
        } catch (InputException e) {
            throw new InputException(spec.specFile() + ": input: " + e.getMessage(), e);
        }
        if (columns.isEmpty()) {
            return;
        }
        List<String> problems = new ArrayList<>();
        templates.forEach((key, template) -> template.fields().stream()
                .filter(f -> !columns.contains(f))
                .forEach(f -> problems.add(key + " uses {{" + f + "}}")));
        if (spec.input().idField() != null && !columns.contains(spec.input().idField())) {
            problems.add("id-field is '" + spec.input().idField() + "'");
        }
        spec.output().include().stream()
                .filter(f -> !columns.contains(f))
                .forEach(f -> problems.add("include names '" + f + "'"));
        spec.input().images().fields().stream()
                .filter(f -> !columns.contains(f))
                .forEach(f -> problems.add("images names '" + f + "'"));
        if (!problems.isEmpty()) {
            throw new SpecException(spec.specFile() + ": " + String.join("; ", problems) + ", but "
                    + spec.input().file() + " has no such column (columns: " + String.join(", ", columns) + ")");
        }
    }

    private static PromptTemplate parse(JobSpec spec, String key, String text) {
        try {
            return PromptTemplate.parse(text);
        } catch (TemplateException e) {
            throw new SpecException(spec.specFile() + ": key '" + key + "': " + e.getMessage());
        }
    }
}
