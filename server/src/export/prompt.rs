//! The generator's input for generator training data (sft, preference, listwise): a system
//! message from the task (title, description, output schema; `templates/export/`) and the
//! item's context as the user message. The output is the assistant's answer, as JSON text.

use super::columns::Message;
use app::domain::TaskDefinition;
use askama::Template;

#[derive(Template)]
#[template(path = "export/generator_system.txt", escape = "none")]
struct GeneratorSystem<'a> {
    title: &'a str,
    description: &'a str,
    output_schema: &'a str,
}

/// The system message shared by every example of the task.
pub fn generator_system(task: &TaskDefinition) -> String {
    let output_schema = task.output_schema.to_string();
    GeneratorSystem {
        title: &task.title,
        description: task.description.trim(),
        output_schema: &output_schema,
    }
    .render()
    .expect("the generator template renders")
}

/// The generator's input for one context: system and user messages.
pub fn generator_input(system: &str, context: &str) -> Vec<Message> {
    vec![
        Message::new("system", system),
        Message::new("user", context),
    ]
}
