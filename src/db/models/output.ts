import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';

/** One output of a calculation (table `output`): a row of the engine's own output table, copied (migration 0007). */
export class Output extends Model<InferAttributes<Output>, InferCreationAttributes<Output>> {
  declare id: CreationOptional<number>;
  declare oq_job_id: number;
  declare display_name: string;
  declare last_update: Date;
  declare ds_key: string;
  declare size_mb: number | null;
  /** The export types the engine's exporters offer for it, comma-separated ("csv,npz"). */
  declare export_types: string;
}

/** Binds the Output model to a database. */
export function initOutput(sequelize: Sequelize): typeof Output {
  class BoundOutput extends Output {}
  BoundOutput.init({
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
    oq_job_id: { type: DataTypes.INTEGER, allowNull: false },
    display_name: { type: DataTypes.TEXT, allowNull: false },
    last_update: { type: DataTypes.DATE, allowNull: false },
    ds_key: { type: DataTypes.TEXT, allowNull: false },
    size_mb: { type: DataTypes.FLOAT, allowNull: true },
    export_types: { type: DataTypes.TEXT, allowNull: false },
  }, { sequelize, modelName: 'Output', tableName: 'output', timestamps: false });
  return BoundOutput;
}
