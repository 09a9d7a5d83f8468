/** Authorization in one place: every route asks these functions (see STYLE.md, outline's policies). */
export * from './admin.js';
export * from './calculation.js';
export * from './load-calculation.js';
export * from './authorize.js';
export * from './load-admin.js';
export * from './engine.js';
export * from './levels.js';
