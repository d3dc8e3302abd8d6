package dev.promptbatch.prompt;

/** A template that cannot be parsed. */
public class TemplateException extends RuntimeException {
    public TemplateException(String message) {
        super(message);
    }
}
