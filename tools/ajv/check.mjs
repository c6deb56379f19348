// Ajv 8 in strict mode over the project's JSON Schemas, and the documents that must (or must not) validate.
// Reads one JSON object on standard input:
//   {"keywords": ["x-..."], "schemas": {"name": schema, ...}, "instances": [{"schema": "name", "data": ..., "ref": "#/..."}]}
// An OpenAPI document given as a schema has its components/schemas compiled (its refs pointed at them).
// Prints {"errors": {"name": "message"}, "results": [{"valid": bool, "errors": [...]}]} and exits 0.
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

const input = JSON.parse(await new Promise((done) => {
  let text = "";
  process.stdin.setEncoding("utf8");
  process.stdin.on("data", (chunk) => { text += chunk; });
  process.stdin.on("end", () => done(text));
}));

function ajv() {
  const made = new Ajv2020({ strict: true, allErrors: true });
  addFormats(made);
  made.addVocabulary(input.keywords); // ours: annotations, declared so that strict mode knows them
  return made;
}

// An OpenAPI document's schemas, as one schema whose $defs they are (OpenAPI 3.1 schemas are JSON Schema 2020-12).
function components(openapi, id) {
  const text = JSON.stringify(openapi.components?.schemas ?? {}).replaceAll('"#/components/schemas/', '"#/$defs/');
  return { $id: id, $defs: JSON.parse(text) };
}

const errors = {};
const compiled = {};
for (const [name, schema] of Object.entries(input.schemas)) {
  const checker = ajv();
  try {
    if (schema.openapi) {
      const id = `urn:refugee-rules:${name}`;
      checker.addSchema(components(schema, id));
      for (const part of Object.keys(schema.components?.schemas ?? {})) {
        checker.getSchema(`${id}#/$defs/${part}`); // compiles it: strict mode throws on what it does not know
      }
      compiled[name] = (ref) => checker.getSchema(`${id}${ref}`);
    } else {
      const validate = checker.compile(schema);
      compiled[name] = (ref) => (ref ? checker.getSchema(`${schema.$id ?? ""}${ref}`) : validate);
    }
  } catch (e) {
    errors[name] = String(e.message || e);
  }
}

const results = (input.instances ?? []).map(({ schema, data, ref }) => {
  const validate = compiled[schema]?.(ref);
  if (!validate) return { valid: false, errors: [`no compiled schema ${schema} ${ref ?? ""}`] };
  const valid = validate(data);
  return { valid, errors: (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`) };
});
process.stdout.write(JSON.stringify({ errors, results }));
