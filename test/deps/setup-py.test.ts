import { readSetupPyLists } from '../../src/deps/setup-py';

const texts = (lists: ReturnType<typeof readSetupPyLists>) => ({
  install: lists.installRequires?.map((r) => `${r.line}:${r.text}`),
  extras: lists.extrasRequire
    && Object.fromEntries(Object.entries(lists.extrasRequire).map(([k, v]) => [k, v.map((r) => r.text)])),
  unread: lists.unread,
});

describe('setup.py lists, read as literals', () => {
  test('literal arguments: lists, tuples, a dict of lists, comments, trailing commas, raw, triple quotes', () => {
    const text = [
      'from setuptools import setup',
      'setup(',
      '    name="demo",  # setup(install_requires=["not", "this"])',
      '    install_requires=[',
      "        'numpy==2.1.3',",
      '        r"rich==13.9.4",',
      '        """tqdm==4.67.1""",',
      '    ],',
      '    extras_require={"web": ("fastapi==0.115.6",), \'dev\': []},',
      ')',
    ].join('\n');
    expect(texts(readSetupPyLists(text))).toEqual({
      install: ['5:numpy==2.1.3', '6:rich==13.9.4', '7:tqdm==4.67.1'],
      extras: { web: ['fastapi==0.115.6'], dev: [] },
      unread: [],
    });
  });

  test('names of module-level assignments; the last assignment counts', () => {
    const text = 'REQ = ["a==1"]\nREQ = ["b==2"]\nsetup(install_requires=REQ)\n';
    expect(texts(readSetupPyLists(text)).install).toEqual(['2:b==2']);
  });

  test('expressions are never evaluated: each is named as unread, with its line', () => {
    const text = [
      'BASE = ["a==1"]',
      'MORE = BASE + ["b==2"]',
      'setup(',
      '    install_requires=MORE,',
      '    extras_require={k: [k] for k in ["x"]},',
      ')',
    ].join('\n');
    expect(texts(readSetupPyLists(text, 'pkg/setup.py'))).toEqual({
      install: undefined,
      extras: undefined,
      unread: [
        'pkg/setup.py:4: install_requires is not a literal list of strings',
        'pkg/setup.py:5: extras_require is not a literal dict of lists of strings',
      ],
    });
  });

  test('f-strings and calls are not literals; a file without a setup call reads as nothing', () => {
    expect(readSetupPyLists('V = "1"\nsetup(install_requires=[f"a=={V}"])\n').unread)
      .toEqual(['setup.py:2: install_requires is not a literal list of strings']);
    expect(readSetupPyLists('setup(install_requires=deps())\n').unread)
      .toEqual(['setup.py:1: install_requires is not a literal list of strings']);
    expect(readSetupPyLists('def setup(x): pass\n')).toEqual({ unread: [] });
  });
});
