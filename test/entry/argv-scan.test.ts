import { collect, hasOption, lastValue, optionKey, scanOptions } from '../../src/entry/argv-scan';

describe('scanOptions', () => {
  test('stops at the first positional; valued options take the next argument, flags none', () => {
    const scan = scanOptions(['--port', '8000', '--reload', 'app:main', '--port', '9'], { valued: ['--port'], flags: ['--reload'], unknownTakesValue: false });
    expect(scan.options).toEqual([{ name: '--port', value: '8000' }, { name: '--reload' }]);
    expect(scan.positional).toBe(3);
  });

  test('--name=value, a short option with its value attached, and "--" before the positional', () => {
    const scan = scanOptions(['--bind=0.0.0.0:80', '-w4', '--', '-not-an-option'], { valued: ['-w'], unknownTakesValue: false });
    expect(scan.options).toEqual([{ name: '--bind', value: '0.0.0.0:80' }, { name: '-w', value: '4' }]);
    expect(scan.positional).toBe(3);
  });

  test('an unknown option takes a value only when the spec says so', () => {
    expect(scanOptions(['--mystery', 'x', 'y'], { unknownTakesValue: true }).positional).toBe(2);
    expect(scanOptions(['--mystery', 'x', 'y'], { unknownTakesValue: false }).positional).toBe(1);
  });

  test('with dashUnderscore, --nproc-per-node and --nproc_per_node are one option', () => {
    const spec = { valued: ['--nproc_per_node'], unknownTakesValue: false, dashUnderscore: true };
    expect(optionKey('--nproc-per-node', spec)).toBe('--nproc_per_node');
    const scan = scanOptions(['--nproc-per-node', '4', 'train.py'], spec);
    expect(lastValue(scan, '--nproc_per_node')).toBe('4');
    expect(scan.positional).toBe(2);
  });

  test('with scriptGuard, a .py after an unknown option is the script and the option a flag', () => {
    const scan = scanOptions(['--standalone-ish', 'train.py', '--epochs', '3'], { unknownTakesValue: true, scriptGuard: true });
    expect(scan.options).toEqual([{ name: '--standalone-ish' }]);
    expect(scan.positional).toBe(1);
  });

  test('a lone "-" is a positional', () => {
    expect(scanOptions(['-'], { unknownTakesValue: true }).positional).toBe(0);
  });
});

describe('collect', () => {
  test('gathers options and positionals in any order; after "--" everything is positional', () => {
    const { scan, positionals } = collect(['app:main', '--port', '8000', 'extra', '--', '--reload'], { valued: ['--port'], unknownTakesValue: false });
    expect(positionals).toEqual(['app:main', 'extra', '--reload']);
    expect(lastValue(scan, '--port')).toBe('8000');
    expect(hasOption(scan, '--reload')).toBe(false);
  });

  test('the last of repeated options wins; hasOption sees any of its names', () => {
    const { scan } = collect(['-c', 'a.py', '--config', 'b.py', '-D'], { valued: ['-c', '--config'], flags: ['-D'], unknownTakesValue: false });
    expect(lastValue(scan, '-c', '--config')).toBe('b.py');
    expect(hasOption(scan, '-D', '--daemon')).toBe(true);
    expect(lastValue(scan, '--missing')).toBeUndefined();
  });
});
