package dev.promptbatch.progress;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

import dev.promptbatch.outcome.Cell;
import dev.promptbatch.spec.Durations;

/** The progress line as text: the terminal's, fitted to its width, and the log's, whole. */
public final class ProgressLine {
    private static final String GAP = "  ";
    /** A model name is cut to no fewer characters than this, the mark of the cut included. */
    private static final int SHORTEST_MODEL = 6;

    private ProgressLine() {}

    /**
     * The line for a terminal of {@code columns} columns, in at most {@code columns - 1} characters: a line that fills
     * the last column leaves some terminals waiting to wrap, and the next redraw would then start a line below. What
     * does not fit is left out, least telling first: the requests in flight, the answered count (done minus failed),
     * the rate, the pass's sweep coordinates; then the model name is cut, and at last the line itself.
     */
    public static String terminal(ProgressFacts facts, int columns) {
        int room = Math.max(1, columns - 1);
        String done = facts.done() + "/" + (facts.total() == null ? "?" : facts.total());
        String answered = facts.answered() + " answered";
        String failed = facts.failed() + " failed";
        String rate = (facts.answersPerMinute() == null ? "-" : oneDecimal(facts.answersPerMinute())) + "/min";
        String eta = "ETA " + (facts.eta() == null ? "?" : compact(facts.eta()));
        String inFlight = "in flight "
                + facts.inFlight().stream()
                        .map(load -> String.valueOf(load.inFlight()))
                        .collect(Collectors.joining("+"));
        String pass = facts.pass() == null ? null : terminalPass(facts);
        String model = facts.pass() == null ? null : model(facts.pass());

        List<List<String>> candidates = List.of(
                parts(pass, done, answered, failed, rate, eta, inFlight),
                parts(pass, done, answered, failed, rate, eta),
                parts(pass, done, failed, rate, eta),
                parts(pass, done, failed, eta),
                parts(model, done, failed, eta));
        for (List<String> candidate : candidates) {
            String line = String.join(GAP, candidate);
            if (line.length() <= room) {
                return line;
            }
        }
        String rest = String.join(GAP, parts(done, failed, eta));
        int modelRoom = room - rest.length() - GAP.length();
        if (model != null && modelRoom >= SHORTEST_MODEL) {
            return model.substring(0, modelRoom - 1) + "~" + GAP + rest;
        }
        for (List<String> candidate : List.of(parts(done, failed, eta), parts(done, eta), parts(done))) {
            String line = String.join(GAP, candidate);
            if (line.length() <= room) {
                return line;
            }
        }
        return done.substring(0, room);
    }

    /** The line for the log, every fact in words: read by people who find it in a cron mail or a CI log. */
    public static String log(ProgressFacts facts) {
        StringBuilder line = new StringBuilder();
        if (facts.pass() != null) {
            line.append(logPass(facts.pass()));
            if (facts.passes() > 1) {
                line.append(" (pass ")
                        .append(facts.passNumber())
                        .append(" of ")
                        .append(facts.passes())
                        .append(')');
            }
            line.append(": ");
        }
        line.append(facts.done())
                .append(" of ")
                .append(facts.total() == null ? "? (the input is being counted)" : facts.total())
                .append(" records done, ")
                .append(facts.answered())
                .append(" answered, ")
                .append(facts.failed())
                .append(" failed, ")
                .append(facts.answersPerMinute() == null ? "-" : oneDecimal(facts.answersPerMinute()))
                .append(" answers/min over the last minute, ETA ")
                .append(facts.eta() == null ? "unknown" : readable(facts.eta()))
                .append(", in flight ");
        if (facts.inFlight().size() == 1) {
            line.append(facts.inFlight().get(0).inFlight());
        } else {
            line.append(facts.inFlight().stream()
                    .map(load -> load.inFlight() + " at " + load.server())
                    .collect(Collectors.joining(", ")));
        }
        return line.toString();
    }

    /** {@code 42s}, {@code 3m05s}, {@code 2h07m}: short, and the same width from one second to the next. */
    static String compact(Duration duration) {
        long seconds = Math.max(0, (duration.toMillis() + 999) / 1000);
        if (seconds < 60) {
            return seconds + "s";
        }
        if (seconds < 3600) {
            return seconds / 60 + "m" + String.format(Locale.ROOT, "%02d", seconds % 60) + "s";
        }
        long minutes = (seconds + 59) / 60;
        return minutes / 60 + "h" + String.format(Locale.ROOT, "%02d", minutes % 60) + "m";
    }

    /** {@code 42 s}, {@code 3 min 5 s}, {@code 2 h 7 min}: whole seconds, a guess has no tenths. */
    private static String readable(Duration duration) {
        long seconds = Math.max(0, (duration.toMillis() + 999) / 1000);
        return seconds < 60 ? seconds + " s" : Durations.readable(Duration.ofSeconds(seconds));
    }

    private static String terminalPass(ProgressFacts facts) {
        Cell cell = facts.pass();
        StringBuilder text = new StringBuilder(model(cell));
        if (cell.variant() != null) {
            text.append(" v").append(cell.variant());
        }
        if (cell.seed() != null) {
            text.append(" seed ").append(cell.seed());
        }
        if (cell.repeat() != null) {
            text.append(" r").append(cell.repeat());
        }
        if (facts.passes() > 1) {
            text.append(" (")
                    .append(facts.passNumber())
                    .append('/')
                    .append(facts.passes())
                    .append(')');
        }
        return text.toString();
    }

    /** A pass's model; an OpenAI Batch file's pass has none, each line asking its own. */
    private static String model(Cell cell) {
        return cell.model() == null ? "each line's model" : cell.model();
    }

    private static String logPass(Cell cell) {
        StringBuilder text = new StringBuilder(model(cell));
        if (cell.variant() != null) {
            text.append(" variant ").append(cell.variant());
        }
        if (cell.seed() != null) {
            text.append(" seed ").append(cell.seed());
        }
        if (cell.repeat() != null) {
            text.append(" repeat ").append(cell.repeat());
        }
        return text.toString();
    }

    private static List<String> parts(String... parts) {
        List<String> present = new ArrayList<>();
        for (String part : parts) {
            if (part != null) {
                present.add(part);
            }
        }
        return present;
    }

    private static String oneDecimal(double value) {
        return String.format(Locale.ROOT, "%.1f", value);
    }
}
