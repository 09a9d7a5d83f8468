import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';

/** One line of a calculation's log (table `log`). */
export class LogLine extends Model<InferAttributes<LogLine>, InferCreationAttributes<LogLine>> {
  declare id: CreationOptional<number>;
  declare job_id: number;
  declare timestamp: Date;
  declare level: string;
  declare process: CreationOptional<string>;
  declare message: string;
}

/** Binds the LogLine model to a database. */
export function initLogLine(sequelize: Sequelize): typeof LogLine {
  class BoundLogLine extends LogLine {}
  BoundLogLine.init({
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
    job_id: { type: DataTypes.INTEGER, allowNull: false },
    timestamp: { type: DataTypes.DATE, allowNull: false },
    level: { type: DataTypes.STRING(16), allowNull: false },
    process: { type: DataTypes.STRING(64), allowNull: false, defaultValue: '' },
    message: { type: DataTypes.TEXT, allowNull: false },
  }, { sequelize, modelName: 'LogLine', tableName: 'log', timestamps: false });
  return BoundLogLine;
}
