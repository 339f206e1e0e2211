//! Parquet through arrow-rs: typed columns (integers, floats, booleans, UTC timestamps, labels as
//! a struct with one field per criterion, messages and ranked outputs as lists of structs; JSON
//! values as JSON text), zstd-compressed, in row groups of bounded size so memory stays flat.

use super::columns::{Cell, Kind, Message, RankedOutput, Schema};
use super::files::HashingFile;
use super::RowWriter;
use arrow_array::builder::{
    ArrayBuilder, BooleanBuilder, Float64Builder, Int32Builder, Int64Builder, ListBuilder,
    StringBuilder, StructBuilder, TimestampMicrosecondBuilder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Fields, Schema as ArrowSchema, TimeUnit};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Rows per Arrow batch handed to the Parquet writer.
const BATCH_ROWS: usize = 8192;
/// Rows per row group: bounds what the writer keeps in memory.
const ROW_GROUP_ROWS: usize = 65_536;
/// Text columns with a different value on (almost) every row.
const UNIQUE_TEXT: [&str; 4] = [
    "external_id",
    "context_key",
    "chosen_external_id",
    "rejected_external_id",
];

pub struct ParquetWriter {
    writer: ArrowWriter<HashingFile>,
    schema: Arc<ArrowSchema>,
    kinds: Vec<Kind>,
    criteria: Vec<String>,
    builders: Vec<Box<dyn ArrayBuilder>>,
    buffered: usize,
}

fn message_fields() -> Fields {
    Fields::from(vec![
        Field::new("role", DataType::Utf8, false),
        Field::new("content", DataType::Utf8, false),
    ])
}

fn ranked_fields() -> Fields {
    Fields::from(vec![
        Field::new("item_id", DataType::Int64, false),
        Field::new("external_id", DataType::Utf8, false),
        Field::new("output", DataType::Utf8, false),
        Field::new("grade", DataType::Utf8, false),
        Field::new("rank", DataType::Int32, false),
    ])
}

fn label_fields(criteria: &[String]) -> Fields {
    criteria
        .iter()
        .map(|name| Field::new(name, DataType::Utf8, true))
        .collect()
}

fn list_of(fields: Fields) -> DataType {
    DataType::List(Arc::new(Field::new(
        "item",
        DataType::Struct(fields),
        false,
    )))
}

fn data_type(kind: Kind, criteria: &[String]) -> DataType {
    match kind {
        Kind::Int => DataType::Int64,
        Kind::Float => DataType::Float64,
        Kind::Bool => DataType::Boolean,
        Kind::Text | Kind::Json => DataType::Utf8,
        Kind::Time => DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
        Kind::Labels => DataType::Struct(label_fields(criteria)),
        Kind::Messages => list_of(message_fields()),
        Kind::Ranked => list_of(ranked_fields()),
    }
}

fn struct_builder(fields: Fields) -> StructBuilder {
    StructBuilder::from_fields(fields, BATCH_ROWS)
}

fn builder(kind: Kind, criteria: &[String]) -> Box<dyn ArrayBuilder> {
    match kind {
        Kind::Int => Box::new(Int64Builder::with_capacity(BATCH_ROWS)),
        Kind::Float => Box::new(Float64Builder::with_capacity(BATCH_ROWS)),
        Kind::Bool => Box::new(BooleanBuilder::with_capacity(BATCH_ROWS)),
        Kind::Text | Kind::Json => Box::new(StringBuilder::new()),
        Kind::Time => Box::new(TimestampMicrosecondBuilder::new().with_timezone("UTC")),
        Kind::Labels => Box::new(struct_builder(label_fields(criteria))),
        Kind::Messages => Box::new(list_builder(message_fields())),
        Kind::Ranked => Box::new(list_builder(ranked_fields())),
    }
}

fn list_builder(fields: Fields) -> ListBuilder<StructBuilder> {
    let item = Field::new("item", DataType::Struct(fields.clone()), false);
    ListBuilder::new(struct_builder(fields)).with_field(Arc::new(item))
}

impl ParquetWriter {
    pub fn new(out: HashingFile, schema: &Schema) -> anyhow::Result<ParquetWriter> {
        let fields: Vec<Field> = schema
            .columns
            .iter()
            .map(|column| {
                Field::new(
                    column.name,
                    data_type(column.kind, &schema.criteria),
                    column.nullable,
                )
            })
            .collect();
        let arrow_schema = Arc::new(ArrowSchema::new(fields));
        // Dictionaries only for the short, repetitive text columns (grade, provenance, model…):
        // on JSON and ids they cost time and are abandoned anyway. Statistics per column chunk.
        let mut properties = WriterProperties::builder()
            .set_compression(Compression::ZSTD(ZstdLevel::try_new(1)?))
            .set_max_row_group_size(ROW_GROUP_ROWS)
            .set_statistics_enabled(EnabledStatistics::Chunk)
            .set_dictionary_enabled(false);
        for column in &schema.columns {
            if column.kind == Kind::Text && !UNIQUE_TEXT.contains(&column.name) {
                properties = properties.set_column_dictionary_enabled(column.name.into(), true);
            }
        }
        let properties = properties.build();
        let writer = ArrowWriter::try_new(out, arrow_schema.clone(), Some(properties))?;
        Ok(ParquetWriter {
            writer,
            schema: arrow_schema,
            kinds: schema.columns.iter().map(|column| column.kind).collect(),
            builders: schema
                .columns
                .iter()
                .map(|column| builder(column.kind, &schema.criteria))
                .collect(),
            criteria: schema.criteria.clone(),
            buffered: 0,
        })
    }

    fn flush_batch(&mut self) -> anyhow::Result<()> {
        if self.buffered == 0 {
            return Ok(());
        }
        let arrays: Vec<ArrayRef> = self.builders.iter_mut().map(|b| b.finish()).collect();
        let batch = RecordBatch::try_new(self.schema.clone(), arrays)?;
        self.writer.write(&batch)?;
        self.buffered = 0;
        Ok(())
    }
}

fn downcast<T: 'static>(builder: &mut Box<dyn ArrayBuilder>) -> &mut T {
    builder
        .as_any_mut()
        .downcast_mut::<T>()
        .expect("each column's builder matches its kind")
}

fn append_messages(list: &mut ListBuilder<StructBuilder>, messages: &[Message]) {
    let items = list.values();
    for message in messages {
        items
            .field_builder::<StringBuilder>(0)
            .expect("role")
            .append_value(message.role);
        items
            .field_builder::<StringBuilder>(1)
            .expect("content")
            .append_value(&message.content);
        items.append(true);
    }
    list.append(true);
}

fn append_ranked(list: &mut ListBuilder<StructBuilder>, outputs: &[RankedOutput]) {
    let items = list.values();
    for output in outputs {
        items
            .field_builder::<Int64Builder>(0)
            .expect("item_id")
            .append_value(output.item_id);
        items
            .field_builder::<StringBuilder>(1)
            .expect("external_id")
            .append_value(&output.external_id);
        items
            .field_builder::<StringBuilder>(2)
            .expect("output")
            .append_value(&output.output);
        items
            .field_builder::<StringBuilder>(3)
            .expect("grade")
            .append_value(&output.grade);
        items
            .field_builder::<Int32Builder>(4)
            .expect("rank")
            .append_value(output.rank);
        items.append(true);
    }
    list.append(true);
}

fn append_labels(
    labels: &mut StructBuilder,
    criteria: &[String],
    json: Option<&str>,
) -> anyhow::Result<()> {
    let values: BTreeMap<String, String> = match json {
        Some(json) => serde_json::from_str(json)?,
        None => BTreeMap::new(),
    };
    for (index, criterion) in criteria.iter().enumerate() {
        labels
            .field_builder::<StringBuilder>(index)
            .expect("one field per criterion")
            .append_option(values.get(criterion));
    }
    labels.append(json.is_some());
    Ok(())
}

impl RowWriter for ParquetWriter {
    fn write(&mut self, row: &[Cell<'_>]) -> anyhow::Result<()> {
        for ((kind, builder), cell) in self.kinds.iter().zip(&mut self.builders).zip(row) {
            match (kind, cell) {
                (Kind::Int, Cell::Int(value)) => {
                    downcast::<Int64Builder>(builder).append_value(*value)
                }
                (Kind::Int, _) => downcast::<Int64Builder>(builder).append_null(),
                (Kind::Float, Cell::Float(value)) => {
                    downcast::<Float64Builder>(builder).append_value(*value)
                }
                (Kind::Float, _) => downcast::<Float64Builder>(builder).append_null(),
                (Kind::Bool, Cell::Bool(value)) => {
                    downcast::<BooleanBuilder>(builder).append_value(*value)
                }
                (Kind::Bool, _) => downcast::<BooleanBuilder>(builder).append_null(),
                (Kind::Text | Kind::Json, Cell::Text(text) | Cell::Json(text)) => {
                    downcast::<StringBuilder>(builder).append_value(text)
                }
                (Kind::Text | Kind::Json, _) => downcast::<StringBuilder>(builder).append_null(),
                (Kind::Time, Cell::Time(time)) => downcast::<TimestampMicrosecondBuilder>(builder)
                    .append_value(time.timestamp_micros()),
                (Kind::Time, _) => downcast::<TimestampMicrosecondBuilder>(builder).append_null(),
                (Kind::Labels, Cell::Labels(json)) => {
                    append_labels(downcast(builder), &self.criteria, Some(json))?
                }
                (Kind::Labels, _) => append_labels(downcast(builder), &self.criteria, None)?,
                (Kind::Messages, Cell::Messages(messages)) => {
                    append_messages(downcast(builder), messages)
                }
                (Kind::Ranked, Cell::Ranked(outputs)) => append_ranked(downcast(builder), outputs),
                (Kind::Messages | Kind::Ranked, _) => {
                    anyhow::bail!("a list column needs a list value")
                }
            }
        }
        self.buffered += 1;
        if self.buffered == BATCH_ROWS {
            self.flush_batch()?;
        }
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> anyhow::Result<HashingFile> {
        self.flush_batch()?;
        Ok(self.writer.into_inner()?)
    }
}
