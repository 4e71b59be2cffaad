/**
 * Agreement table of the PDF corpus (tests/conformance/pdf-corpus): for each file the expected verdict (from the
 * producing tool's or a reference validator's own tests), lienthong's and poppler pdfsig's, on the integrity and
 * modification axes with trust aside. Ends with one JSON line `{"files":N,"agree":K,"pdfsigAgree":M}`.
 *
 *   npm run pdf:agreement            # markdown table, summary, JSON line
 *   npm run pdf:agreement -- --diff  # only the rows where lienthong disagrees
 */
import {
  agrees,
  corpusFile,
  formatExpected,
  formatVerdict,
  lienthongVerdict,
  loadCorpus,
  pdfsigVerdict,
} from '../tests/helpers/pdf-corpus';

async function main(): Promise<void> {
  const onlyDiff = process.argv.includes('--diff');
  const corpus = loadCorpus();
  const out = process.stdout;
  out.write('| file | expected (integrity/modification) | lienthong | pdfsig | lienthong detail |\n');
  out.write('|---|---|---|---|---|\n');
  let agree = 0;
  let pdfsigAgree = 0;
  for (const entry of corpus.files) {
    const file = corpusFile(entry);
    const mine = await lienthongVerdict(file);
    const theirs = await pdfsigVerdict(file);
    const ok = agrees(entry.expected, mine);
    const psOk = agrees(entry.expected, theirs);
    if (ok) agree++;
    if (psOk) pdfsigAgree++;
    if (onlyDiff && ok) continue;
    const mark = (v: boolean) => (v ? 'agrees' : 'DIFFERS');
    const cells = [
      entry.file,
      formatExpected(entry.expected),
      `${formatVerdict(mine)} (${mark(ok)})`,
      `${formatVerdict(theirs)} (${mark(psOk)})`,
      mine.detail.replace(/\|/g, '/'),
    ];
    out.write(`| ${cells.join(' | ')} |\n`);
  }
  const n = corpus.files.length;
  const pct = (k: number) => `${((100 * k) / n).toFixed(1)}%`;
  out.write(
    `\n${n} files: lienthong agrees on ${agree} (${pct(agree)}), pdfsig on ${pdfsigAgree} (${pct(pdfsigAgree)}); ` +
      'pdfsig does no change analysis, so it never says "forbidden".\n',
  );
  out.write(`${JSON.stringify({ files: n, agree, pdfsigAgree })}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});
