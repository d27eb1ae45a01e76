import * as ejs from 'ejs';
import { readAsset } from './data';

const compiled = new Map<string, ejs.TemplateFunction>();

/** Renders `templates/<name>` with the model as `m`. Each template is compiled once per process. */
export function renderTemplate(name: string, model: object): string {
  let fn = compiled.get(name);
  if (!fn) {
    fn = ejs.compile(readAsset('templates', name), { _with: false, localsName: 'm', filename: name, strict: true });
    compiled.set(name, fn);
  }
  return fn(model);
}
