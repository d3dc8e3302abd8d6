package dev.promptbatch;

public class PromptBatchApplication {
    public static void main(String[] args) {
    }
}
