"""
The results of a calculation as the original WebUI gives them (openquake/server/views.py
calc_results and calc_result), for oq-webui's engine bridge (HANDLERS in oq_webui_bridge.py).

- list_outputs: the engine's own output rows of a job (its database's `output` table, written by
  the calculator's expose_outputs), each with the export types the engine's exporters offer for
  it, as the original computes them (`.txt` left out, as the original leaves it out).
- export_output: the engine's export_from_db of one output in one type into a new folder inside
  the calculation's folder; several files are zipped as `<ds_key>-<type>.zip`, as the original.

oq-webui (TypeScript) decides who may ask, maps its job ids to the engine's, and checks that the
type is one the output offers before asking; nothing here re-implements the engine.
"""
import os
import re
import shutil
import tempfile


class NothingToExport(Exception):
    """The exporter wrote no file for this output (the original's 404)."""


class ExportFailed(Exception):
    """The engine's exporter failed on this output (the original's DataStoreExportError)."""


def export_types():
    """ds_key -> the export types of the engine's exporters, in the registry's order, without txt."""
    from openquake.baselib.general import groupby
    from openquake.calculators.export import export
    types = groupby(export, lambda oe: oe[0], lambda oes: [e for _o, e in oes])
    # the original: "Catalina asked to remove the .txt outputs (used for the GMFs)"
    return {key: [t for t in exts if t != 'txt'] for key, exts in types.items()}


def list_outputs(engine_calc_id):
    """The engine's outputs of its calculation `engine_calc_id`, in its id order."""
    from openquake.commonlib import logs
    types = export_types()
    rows = logs.dbcmd('get_outputs', int(engine_calc_id))
    return [dict(engine_id=row.id, display_name=row.display_name, ds_key=row.ds_key,
                 size_mb=row.size_mb, outtypes=types.get(row.ds_key, []))
            for row in sorted(rows, key=lambda r: r.id)]


def calc_of(datastore):
    """(folder, engine calc id) of a datastore path `<folder>/calc_<id>.hdf5`."""
    m = re.fullmatch(r'calc_(\d+)\.hdf5', os.path.basename(datastore))
    if m is None:
        raise ValueError('not a datastore of the engine: %s' % os.path.basename(datastore))
    return os.path.dirname(datastore), int(m.group(1))


def export_output(datastore, ds_key, export_type):
    """
    Exports output `ds_key` of the datastore in `export_type` into a new folder beside it; the
    path of the one file (or of the zip of several) and that folder, which the caller removes.
    """
    from openquake.baselib.general import zipfiles
    from openquake.engine.export import core
    datadir, calc_id = calc_of(datastore)
    target = tempfile.mkdtemp(prefix='export-', dir=datadir)
    try:
        try:
            exported = core.export_from_db((ds_key, export_type), calc_id, datadir, target)
        except core.DataStoreExportError as exc:
            # its message ends with the traceback: the first line and the error are enough
            lines = str(exc).strip().splitlines()
            raise ExportFailed('%s: %s' % (lines[0], lines[-1].strip())) from None
        if not exported:
            raise NothingToExport('Nothing to export for export_type=%s, %s' % (export_type, ds_key))
        if len(exported) == 1:
            return exported[0], target
        archive = os.path.join(target, '%s-%s.zip' % (ds_key, export_type))
        zipfiles(exported, archive, cleanup=True)
        return archive, target
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise
