import * as ejs from 'ejs';
import { readAsset } from './data';

const compiled = new Map<string, ejs.TemplateFunction>();

/**
 * Renders `templates/<name>` with the model as `m`. Each template is compiled once per process.
 * A template includes a partial by its path under `templates/` (`include('<folder>/<name>.ejs', model)`),
 * the partial's model again being `m`.
 */
export function renderTemplate(name: string, model: object): string {
  let fn = compiled.get(name);
  if (!fn) {
    fn = ejs.compile(readAsset('templates', name), {
      _with: false,
      localsName: 'm',
      filename: name,
      strict: true,
      cache: true,
      // ejs accepts both fields (the filename keys its cache of compiled partials); its types allow one
      includer: (partial: string) => ({ filename: partial, template: readAsset('templates', partial) }) as unknown as ejs.IncluderResult,
    });
    compiled.set(name, fn);
  }
  return fn(model);
}
