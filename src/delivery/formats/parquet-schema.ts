/**
 * A Glue table's Hive columns as a Parquet schema, in the layout Hive's Parquet writer uses: every column and
 * nested field optional; arrays as three-level LIST groups, maps as MAP groups of required keys and optional values,
 * structs as plain groups. Timestamps are INT64 microseconds without UTC adjustment (Hive writes INT96, which the
 * writer cannot; every current reader takes either), decimals fixed-length big-endian two's complement.
 */
import type { SchemaElement } from "hyparquet";
import type { HiveField, HiveType } from "./hive-types.js";

export function parquetSchemaOf(columns: readonly HiveField[]): SchemaElement[] {
  return [{ name: "hive_schema", num_children: columns.length }, ...columns.flatMap((column) => elementsOf(column.name, column.type, "OPTIONAL"))];
}

function elementsOf(name: string, type: HiveType, repetition: "OPTIONAL" | "REQUIRED"): SchemaElement[] {
  const base = { name, repetition_type: repetition } as const;
  switch (type.kind) {
    case "string":
    case "varchar":
    case "char":
      return [{ ...base, type: "BYTE_ARRAY", converted_type: "UTF8" }];
    case "binary":
      return [{ ...base, type: "BYTE_ARRAY" }];
    case "tinyint":
      return [{ ...base, type: "INT32", converted_type: "INT_8" }];
    case "smallint":
      return [{ ...base, type: "INT32", converted_type: "INT_16" }];
    case "int":
      return [{ ...base, type: "INT32" }];
    case "bigint":
      return [{ ...base, type: "INT64" }];
    case "float":
      return [{ ...base, type: "FLOAT" }];
    case "double":
      return [{ ...base, type: "DOUBLE" }];
    case "boolean":
      return [{ ...base, type: "BOOLEAN" }];
    case "date":
      return [{ ...base, type: "INT32", converted_type: "DATE" }];
    case "timestamp":
      return [{ ...base, type: "INT64", logical_type: { type: "TIMESTAMP", isAdjustedToUTC: false, unit: "MICROS" } }];
    case "decimal":
      return [
        {
          ...base,
          type: "FIXED_LEN_BYTE_ARRAY",
          type_length: decimalBytes(type.precision),
          converted_type: "DECIMAL",
          precision: type.precision,
          scale: type.scale,
        },
      ];
    case "array":
      return [
        { ...base, num_children: 1, converted_type: "LIST" },
        { name: "list", repetition_type: "REPEATED", num_children: 1 },
        ...elementsOf("element", type.element, "OPTIONAL"),
      ];
    case "map":
      return [
        { ...base, num_children: 1, converted_type: "MAP" },
        { name: "key_value", repetition_type: "REPEATED", num_children: 2 },
        ...elementsOf("key", type.key, "REQUIRED"),
        ...elementsOf("value", type.value, "OPTIONAL"),
      ];
    case "struct":
      return [{ ...base, num_children: type.fields.length }, ...type.fields.flatMap((field) => elementsOf(field.name, field.type, "OPTIONAL"))];
  }
}

/** The fewest bytes whose two's complement holds every unscaled value of the precision (as Hive sizes them). */
function decimalBytes(precision: number): number {
  return Math.ceil((precision * Math.log2(10) + 1) / 8);
}
