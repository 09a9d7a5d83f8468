/** Binding a set of models to a database once: later calls with the same database get the same set. */
import type { Sequelize } from 'sequelize';

/** `init` made idempotent per database (a WeakMap, so a closed database's models can go). */
export function bindOnce<M>(init: (sequelize: Sequelize) => M): (sequelize: Sequelize) => M {
  const bound = new WeakMap<Sequelize, M>();
  return (sequelize) => {
    let models = bound.get(sequelize);
    if (models === undefined) {
      models = init(sequelize);
      bound.set(sequelize, models);
    }
    return models;
  };
}
