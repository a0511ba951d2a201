/**
 * Structural checks of an OpenAPI 3.x document, after the specification's required fields and
 * rules: every problem as a line. Not a full JSON-Schema validation of the document, but each rule
 * here is one a real consumer (client generators, Swagger UI) depends on.
 */
type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const SCHEME_TYPES = ['apiKey', 'http', 'oauth2', 'openIdConnect', 'mutualTLS'];

function resolve(doc: Obj, ref: string): unknown {
  let v: unknown = doc;
  for (const part of ref
    .slice(2)
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~')))
    v = isObj(v) ? v[part] : undefined;
  return v;
}

function walkRefs(doc: Obj, v: unknown, where: string, out: string[]): void {
  if (Array.isArray(v)) v.forEach((x, i) => walkRefs(doc, x, `${where}[${i}]`, out));
  else if (isObj(v)) {
    for (const [k, x] of Object.entries(v)) {
      if (k === '$ref' && typeof x === 'string' && x.startsWith('#/') && resolve(doc, x) === undefined) out.push(`${where}: $ref ${x} does not resolve`);
      else walkRefs(doc, x, `${where}.${k}`, out);
    }
  }
}

export function openApiProblems(doc: unknown): string[] {
  const out: string[] = [];
  if (!isObj(doc)) return ['document is not an object'];
  if (typeof doc.openapi !== 'string' || !/^3\.[01]\.\d+$/.test(doc.openapi)) out.push(`openapi: not 3.0.x or 3.1.x (${String(doc.openapi)})`);
  const info = doc.info;
  if (!isObj(info) || typeof info.title !== 'string' || typeof info.version !== 'string') out.push('info: needs title and version strings');
  const schemes = isObj(doc.components) && isObj(doc.components.securitySchemes) ? doc.components.securitySchemes : {};
  for (const [name, s] of Object.entries(schemes)) {
    if (!isObj(s) || !SCHEME_TYPES.includes(String(s.type))) out.push(`components.securitySchemes.${name}: bad type`);
    else if (s.type === 'http' && typeof s.scheme !== 'string') out.push(`components.securitySchemes.${name}: http needs scheme`);
  }
  if (!isObj(doc.paths)) return [...out, 'paths: missing'];
  const opIds = new Set<string>();
  for (const [path, item] of Object.entries(doc.paths)) {
    if (!path.startsWith('/')) out.push(`paths.${path}: must start with /`);
    if (!isObj(item)) {
      out.push(`paths.${path}: not an object`);
      continue;
    }
    const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
    for (const [method, op] of Object.entries(item)) {
      if (!METHODS.includes(method)) continue;
      const where = `${method.toUpperCase()} ${path}`;
      if (!isObj(op)) {
        out.push(`${where}: not an object`);
        continue;
      }
      if (typeof op.operationId === 'string') {
        if (opIds.has(op.operationId)) out.push(`${where}: duplicate operationId ${op.operationId}`);
        opIds.add(op.operationId);
      }
      const params = [...(Array.isArray(item.parameters) ? item.parameters : []), ...(Array.isArray(op.parameters) ? op.parameters : [])];
      const pathParams = new Set<string>();
      for (const p of params) {
        if (!isObj(p) || typeof p.name !== 'string' || !['query', 'header', 'path', 'cookie'].includes(String(p.in))) {
          out.push(`${where}: parameter needs name and in (query, header, path, cookie)`);
          continue;
        }
        if (!isObj(p.schema) && !isObj(p.content)) out.push(`${where}: parameter ${p.name} needs schema or content`);
        if (p.in === 'path') {
          pathParams.add(p.name);
          if (p.required !== true) out.push(`${where}: path parameter ${p.name} must be required`);
        }
      }
      for (const t of templated) if (!pathParams.has(t as string)) out.push(`${where}: {${t}} has no path parameter`);
      for (const p of pathParams) if (!templated.includes(p)) out.push(`${where}: path parameter ${p} not in the path`);
      if (op.requestBody !== undefined && (!isObj(op.requestBody) || !isObj(op.requestBody.content) || Object.keys(op.requestBody.content).length === 0)) {
        out.push(`${where}: requestBody needs content`);
      }
      if (!isObj(op.responses) || Object.keys(op.responses).length === 0) out.push(`${where}: needs responses`);
      else {
        for (const [code, r] of Object.entries(op.responses)) {
          if (code !== 'default' && !/^[1-5](\d\d|XX)$/.test(code)) out.push(`${where}: bad response code ${code}`);
          if (!isObj(r) || (typeof r.description !== 'string' && typeof r.$ref !== 'string')) out.push(`${where}: response ${code} needs a description`);
        }
      }
      for (const req of Array.isArray(op.security) ? op.security : []) {
        for (const name of Object.keys(isObj(req) ? req : {})) if (!Object.hasOwn(schemes, name)) out.push(`${where}: security scheme ${name} is not defined`);
      }
    }
  }
  walkRefs(doc, doc, '#', out);
  return out;
}
