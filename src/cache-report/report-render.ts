import { CacheChangeKind, CachePromiseResult, LayerRole, ServiceCacheReport } from './report-types';

/**
 * The report as text (one table per service and target, then the promises) and as JSON
 * data: pure functions of the services' reports and the promises checked on them.
 */

/** The text report: every service's tables, then the promises. */
export function renderReportTable(
  services: readonly ServiceCacheReport[], promises: readonly CachePromiseResult[],
): string {
  return [...services.map((s) => renderService(s)), renderPromises(promises)].join('\n');
}

/** The JSON report (`docker:cache-report --json`). */
export function reportJson(
  projectDir: string, services: readonly ServiceCacheReport[], promises: readonly CachePromiseResult[],
): any {
  return {
    projectDir,
    legend: {
      invalidated: 'steps BuildKit re-runs after the change',
      kept: 'steps BuildKit reports as CACHED',
    },
    services,
    promises,
  };
}

function renderService(report: ServiceCacheReport): string {
  const letters = report.changes.map((_, i) => columnName(i));
  const out: string[] = [];
  out.push(`== ${report.service}: ${report.dockerfile}${report.ignoreFile ? ` (ignore file ${report.ignoreFile})` : ' (no ignore file)'}`);
  out.push('changes:');
  report.changes.forEach((c, i) => {
    out.push(`  ${letters[i].padEnd(2)} ${c.id.padEnd(22)} ${c.description}${c.files && c.kind !== CacheChangeKind.REQUIREMENTS ? `; e.g. ${c.files.join(', ')}` : ''}`);
  });
  for (const t of report.targets) {
    const labelWidth = Math.max(...t.steps.map((s) => s.label.length), 4);
    const textWidth = 44;
    out.push('');
    out.push(`target ${t.target}: X = re-run, . = CACHED`);
    out.push(`  ${'step'.padEnd(labelWidth)} ${'instruction'.padEnd(textWidth)} ${letters.map((l) => l.padEnd(2)).join(' ')}`);
    for (const step of t.steps) {
      const marks = t.impacts.map((i) => (i.invalidated.includes(step.label) ? 'X' : '.').padEnd(2));
      const role = step.role === LayerRole.DEPENDENCIES ? ' [dep]' : '';
      out.push(`  ${step.label.padEnd(labelWidth)} ${truncate(`${step.instruction}`, textWidth - role.length)}${role} ${marks.join(' ')}`);
    }
    out.push(`  ${'re-run steps'.padEnd(labelWidth + textWidth + 1)} ${t.impacts.map((i) => String(i.invalidated.length).padEnd(2)).join(' ')}`);
    out.push(`  ${'re-run dependency layers [dep]'.padEnd(labelWidth + textWidth + 1)} ${t.impacts.map((i) => String(i.invalidatedDependencyLayers).padEnd(2)).join(' ')}`);
  }
  for (const w of report.warnings) out.push(`warning: ${w}`);
  out.push('');
  return out.join('\n');
}

function renderPromises(results: readonly CachePromiseResult[]): string {
  if (results.length === 0) return 'promises: none apply\n';
  return ['promises:', ...results.map((r) => `  ${r.holds ? 'ok    ' : 'BROKEN'} ${r.service}: ${r.description} (${r.detail})`), ''].join('\n');
}

function columnName(i: number): string {
  return i < 26 ? String.fromCharCode(65 + i) : `${String.fromCharCode(65 + Math.floor(i / 26) - 1)}${String.fromCharCode(65 + (i % 26))}`;
}

function truncate(text: string, width: number): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length <= width ? flat.padEnd(width) : `${flat.slice(0, width - 3)}...`;
}
