// Lighthouse's own command line (node lighthouse.mjs URL --flags, as lighthouse URL
// --flags), which exits once its report is written and its Chrome is killed.
//
// Lighthouse's cli/index.js returns from the same begin() and then waits for timers
// its finished run left behind: about 3 seconds per run on CI's machine, 3 of every
// 12 that Lighthouse took. The run's errors exit as they do there (begin() exits
// non-zero itself); this ends a successful run at once.
import { begin } from "lighthouse/cli/bin.js";

await begin();
process.exit(0);
