/** gunicorn's level names, most severe first (winston wants numbers: lower is more severe). */
export const LEVELS = { critical: 0, error: 1, warning: 2, info: 3, debug: 4 } as const;

/** One of the level names. */
export type LevelName = keyof typeof LEVELS;

import type winston from 'winston';
/** A winston logger with gunicorn's levels. */
export type Logger = winston.Logger & Record<LevelName, winston.LeveledLogMethod>;
