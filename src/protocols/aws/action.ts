/**
 * An AWS JSON-protocol action, declared as data plus a small function: its input shape (checked and converted by
 * shapes.ts before the handler runs) and its handler. The handler's input type is derived from the shape.
 */
import type { AwsAction, AwsRequestContext, AwsService } from "./dispatch.js";
import { AwsError } from "./errors.js";
import { EventStreamOutput } from "./event-stream.js";
import { parseInput, type Shape, type StructureShape } from "./shapes.js";

type Required<M> = { [K in keyof M]: M[K] extends { required: true } ? K : never }[keyof M];

type StructureOf<M> = { -readonly [K in Required<M>]: ValueOf<M[K]> } & {
  -readonly [K in Exclude<keyof M, Required<M>>]?: ValueOf<M[K]>;
};

/** The TypeScript type of a value that passed a shape. */
export type ValueOf<S> = S extends { type: "string"; enum: readonly (infer E)[] }
  ? E
  : S extends { type: "string" }
    ? string
    : S extends { type: "integer" | "long" | "double" | "timestamp" }
      ? number
      : S extends { type: "boolean" }
        ? boolean
        : S extends { type: "blob" }
          ? Buffer
          : S extends { type: "list"; member: infer M }
            ? ValueOf<M>[]
            : S extends { type: "map"; value: infer V }
              ? Record<string, ValueOf<V>>
              : S extends { type: "structure"; members: infer M }
                ? StructureOf<M>
                : never;

export interface ActionDefinition<Services, Input extends StructureShape = StructureShape> {
  readonly name: string;
  readonly input: Input;
  handle(input: ValueOf<Input>, services: Services, context: AwsRequestContext): Promise<unknown>;
}

/** `const defineKinesisAction = actionsFor<KinesisServices>()`: a definer whose input types follow the shapes. */
export function actionsFor<Services>() {
  return <const Input extends StructureShape>(
    definition: ActionDefinition<Services, Input>,
  ): ActionDefinition<Services, StructureShape> => definition as unknown as ActionDefinition<Services, StructureShape>;
}

/** Makes a dispatchable service of action definitions; `toAwsError` maps the services' own errors, once. */
export function awsService<Services>(
  targetPrefix: string,
  definitions: readonly ActionDefinition<Services>[],
  services: Services,
  toAwsError: (error: unknown) => AwsError | null,
): AwsService {
  const actions = new Map<string, AwsAction>();
  const wireError = (error: unknown): unknown => (error instanceof AwsError ? error : (toAwsError(error) ?? error));
  // An event stream fails after the response started: its errors are mapped the same way, as they happen.
  const wireOutput = (output: unknown): unknown => (output instanceof EventStreamOutput ? output.mapErrors(wireError) : output);
  const rejectWire = (error: unknown): never => {
    throw wireError(error);
  };
  for (const definition of definitions) {
    // Not async, so that nothing holds the request's input while its handler waits (RecordsService.putRecords).
    actions.set(definition.name, (rawInput, context) => {
      let output: Promise<unknown>;
      try {
        output = definition.handle(parseInput(rawInput, definition.input, context.codec.format) as never, services, context);
      } catch (error) {
        return Promise.reject(wireError(error) as Error);
      }
      return output.then(wireOutput, rejectWire);
    });
  }
  return { targetPrefix, actions };
}

export type { Shape };
