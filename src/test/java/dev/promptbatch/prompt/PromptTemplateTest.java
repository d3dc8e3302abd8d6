package dev.promptbatch.prompt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

class PromptTemplateTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Test
    void fillsFieldsAndNestedPaths() {
        ObjectNode record = (ObjectNode) JSON.readTree(
                "{\"title\":\"Flood\",\"source\":{\"name\":\"Courier\"},\"n\":3,\"tags\":[\"a\"],\"empty\":null}");
        PromptTemplate template = PromptTemplate.parse("{{title}} from {{ source.name }} #{{n}} {{tags}}[{{empty}}]");
        assertThat(template.fields()).containsExactlyInAnyOrder("title", "source.name", "n", "tags", "empty");
        assertThat(template.render(record)).isEqualTo("Flood from Courier #3 [\"a\"][]");
    }

    @Test
    void aColumnWhoseNameHasADotIsFoundByItsName() {
        ObjectNode record = JSON.createObjectNode().put("a.b", "column");
        assertThat(PromptTemplate.parse("{{a.b}}").render(record)).isEqualTo("column");
    }

    @Test
    void aMissingFieldIsNamed() {
        ObjectNode record = JSON.createObjectNode().put("name", "x");
        assertThatThrownBy(() -> PromptTemplate.parse("{{name}} {{category}}").render(record))
                .isInstanceOf(MissingFieldException.class)
                .hasMessage("missing field 'category'");
    }

    @Test
    void templatesCannotRunAnything() {
        ObjectNode record = JSON.createObjectNode().put("name", "{{secret}} ${HOME}");
        assertThat(PromptTemplate.parse("Say {{name}}").render(record)).isEqualTo("Say {{secret}} ${HOME}");
    }

    @Test
    void unclosedOrEmptyPlaceholdersAreErrors() {
        assertThatThrownBy(() -> PromptTemplate.parse("Hi {{name"))
                .isInstanceOf(TemplateException.class)
                .hasMessage("'{{' at character 4 is never closed with '}}'");
        assertThatThrownBy(() -> PromptTemplate.parse("Hi {{ }}"))
                .isInstanceOf(TemplateException.class)
                .hasMessageContaining("does not name a field");
    }
}
