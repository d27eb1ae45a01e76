/**
 * How BuildKit's Dockerfile frontend reads a line the generator did not write: which of its words
 * open a heredoc. A reader of Dockerfile syntax (other rooms check user text with it before it
 * reaches the image room's templates); it writes no Dockerfile text.
 */
/**
 * BuildKit's word rule for heredocs (its Dockerfile frontend, parser.go): a shell-form `RUN`,
 * `COPY` or `ADD` line is split into words as a shell would, keeping quotes and backslash escapes
 * in the word, and every word matching `^(\d*)<<(-?)([^<]*)$` with a non-empty rest opens a
 * heredoc: `<<EOF`, `<<-EOF`, `<<"EOF"`, `<<'EOF'`, `<<\EOF`, `2<<EOF`, `1<<3`, several per line.
 * The lines after such an instruction become the heredoc's body up to a line equal to its name,
 * so a generated Dockerfile must never hold one in text it did not write. `<<<` (no word rule
 * match) and `<<` inside quotes or after other characters of a word (`"<<EOF"`, `$((1<<3))`)
 * are not heredocs. Conservative where the frontend would expand a variable: a `${...}` holding
 * `<<` counts too (`${X:-<<EOF}` expands to a heredoc word).
 */
export function heredocWords(line: string): string[] {
  return shellWords(line).filter((w) => /^\d*<<-?[^<]+$/.test(w) || /\$\{[^}]*<</.test(w));
}

/** The words of a line as BuildKit's lexer splits them for heredocs: raw quotes and escapes kept. */
function shellWords(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  const end = () => {
    if (inWord) words.push(word);
    word = '';
    inWord = false;
  };
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (/\s/.test(ch)) {
      end();
      continue;
    }
    inWord = true;
    if (ch === '\\') {
      word += line.slice(i, i + 2);
      i++;
    } else if (ch === '\'') {
      const close = line.indexOf('\'', i + 1);
      const stop = close < 0 ? line.length : close + 1;
      word += line.slice(i, stop);
      i = stop - 1;
    } else if (ch === '"') {
      let j = i + 1;
      while (j < line.length && line[j] !== '"') j += line[j] === '\\' ? 2 : 1;
      word += line.slice(i, j + 1);
      i = j;
    } else if (ch === '$' && line[i + 1] === '{') {
      const close = line.indexOf('}', i);
      const stop = close < 0 ? line.length : close + 1;
      word += line.slice(i, stop);
      i = stop - 1;
    } else {
      word += ch;
    }
  }
  end();
  return words;
}
