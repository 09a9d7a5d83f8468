import { fillCalcDatabase } from '/work/main/dist/bench/calc-list-data.js';
await fillCalcDatabase(process.argv[2], Number(process.argv[3]));
