"""
oq-webui's engine bridge adapter: a thin loop around the OpenQuake engine's own functions.

Run by the bridge child of oq-webui (src/bridge/pool.ts) with the engine's Python. It reads one
JSON request per line on stdin, {"id": N, "op": NAME, "args": {...}}, and writes one JSON answer
per line on stdout:
  {"id": N, "ok": true, "json": TEXT, "rss": BYTES}                 a value, as the engine's JSON text
  {"id": N, "ok": true, "file": PATH, "rss": BYTES}                 a file it wrote (the caller streams, then removes it)
  {"id": N, "ok": false, "status": 4xx, "message": "...", "rss": BYTES}   the engine's own message
  {"id": N, "ok": false, "status": 503, "message": "...", "log": "...", "rss": BYTES}   its job database unreadable
The first line it writes is {"ready": true, "version": ...} or {"ready": false, "problem": ...}.
Adding a request: one function in HANDLERS here, one typed function in src/bridge/requests.ts.
Nothing of the engine is re-implemented here; oq-webui (TypeScript) decides who may ask what.
"""
import json
import os
import re
import sqlite3
import sys
import tempfile
import traceback


def rss_bytes():
    """The resident memory of this process (the pool recycles it past BRIDGE_MAX_MEMORY)."""
    try:
        with open('/proc/self/statm') as f:
            return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE')
    except OSError:
        return 0


class BadRequest(Exception):
    """A request the engine refused: answered 400 with the engine's message."""


class Missing(Exception):
    """Something asked for that is not there: answered 404."""


class File:
    """An answer written to a file (`dir`: a folder made for it): the bridge streams it, then removes both."""
    def __init__(self, path, dir=None):
        self.path, self.dir = path, dir


def version(args):
    from openquake.engine import __version__
    return __version__


def ini_defaults(args):
    # the original's get_ini_defaults (openquake/server/views.py), on the engine's OqParam
    import numpy
    from openquake.hazardlib import valid
    from openquake.commonlib import oqvalidation
    OqParam = oqvalidation.OqParam
    out = {}
    for name in dir(OqParam) + list(OqParam.ALIASES):
        obj = getattr(OqParam, OqParam.ALIASES.get(name, name))
        if isinstance(obj, valid.Param) and obj.default is not valid.Param.NODEFAULT:
            if isinstance(obj.default, float) and numpy.isnan(obj.default):
                continue
            out[name] = obj.default
    return out


def available_gsims(args):
    from openquake.hazardlib import gsim
    return list(gsim.get_available_gsims())


def _open(args):
    """The datastore of a job, by the path oq-webui mapped its job id to; the parent through the engine's db."""
    from openquake.commonlib import datastore
    path = args['datastore']
    if not os.path.exists(path):
        raise Missing('No datastore for this calculation')
    return datastore.read(path)


def extract(args):
    """The engine's extract(dstore, what + query), saved as .npz (what the original streams)."""
    from openquake.baselib import hdf5
    from openquake.calculators.extract import extract as _extract
    what = args['what']
    with _open(args) as ds:
        fd, fname = tempfile.mkstemp(prefix=what.replace('/', '-'), suffix='.npz')
        os.close(fd)
        try:
            obj = _extract(ds, what + args.get('query', ''))
            hdf5.save_npz(obj, fname)
        except BaseException:
            os.remove(fname)
            raise
    return File(fname)


def download_png(args):
    """The image `png/<what>` of the datastore, as PNG (the original's download_png)."""
    from PIL import Image
    with _open(args) as ds:
        key = 'png/%s' % args['what']
        if key not in ds:
            raise Missing('No image %s in this calculation' % args['what'])
        arr = ds[key][:]
    fd, fname = tempfile.mkstemp(suffix='.png')
    os.close(fd)
    Image.fromarray(arr).save(fname, format='png')
    return File(fname)


def job_zip(args):
    """The inputs of a job zipped back from its datastore (the original's calc_zip)."""
    from openquake.baselib.general import zipfiles
    from openquake.calculators.export import export
    with _open(args) as ds:
        exported = export(('job', 'zip'), ds)
    tmpdir = tempfile.mkdtemp()
    archname = os.path.join(tmpdir, 'job.zip')
    zipfiles(exported, archname, cleanup=True)
    return File(archname, tmpdir)


def validate_nrml(args):
    """The original's validate_nrml: the engine's NRML parser on the text, its message and line."""
    from xml.parsers.expat import ExpatError
    from openquake.baselib.general import gettemp
    from openquake.hazardlib import nrml
    xml_file = gettemp(args['xml_text'], suffix='.xml')
    try:
        nrml.to_python(xml_file)
    except ExpatError as exc:
        return dict(error_msg=str(exc), error_line=exc.lineno, valid=False)
    except Exception as exc:
        msg = exc.args[0] if exc.args else str(exc)
        if isinstance(msg, bytes):
            msg = msg.decode('utf-8')
        elif not isinstance(msg, str):
            return dict(error_msg=str(msg), error_line=None, valid=False)
        found = re.search(r'line \d+', msg)
        return dict(error_msg=msg.split(', line')[0],
                    error_line=int(found.group(0).split()[1]) if found else None,
                    valid=False)
    finally:
        os.remove(xml_file)
    return dict(error_msg=None, error_line=None, valid=True)


def validate_job(args):
    """
    The original's validate_job: the calculator's input checks (OQ_CHECK_INPUT), as `oq check_input`
    runs them, under a job of the engine's database (3.26.2's calc_id=None fails before any check:
    "'NoneType' object is not subscriptable"); the datastore of that check is removed.
    """
    from unittest.mock import patch
    from openquake.calculators import base
    from openquake.commonlib import logs
    calc = None
    try:
        with patch.dict(os.environ, {'OQ_CHECK_INPUT': '1'}):
            with logs.init(os.path.abspath(args['path'])) as log:
                calc = base.calculators(log.get_oqparam(), log.calc_id)
                calc.run()
    except sqlite3.DatabaseError:
        raise
    except Exception as exc:
        return dict(error_msg=str(exc), error_line=None, valid=False)
    finally:
        if calc is not None:
            calc.datastore.close()
            for name in (calc.datastore.filename, calc.datastore.tempname):
                if name and os.path.exists(name):
                    os.remove(name)
    return dict(error_msg=None, error_line=None, valid=True)


def jobs_from_inis(args):
    """The engine's readinput.jobs_from_inis on job.ini paths oq-webui allowed."""
    from openquake.commonlib import readinput
    return readinput.jobs_from_inis(args['inis'])


def job_inputs(args):
    """The files of a job.ini, the job.ini first, as the engine collects them for `oq zip` (oqzip.zip_job)."""
    from openquake.commonlib import oqvalidation, readinput
    ini = os.path.abspath(args['ini'])
    # not validated, as zip_job: the checks run with the calculation
    oq = oqvalidation.OqParam(**readinput.get_params(ini))
    files = [os.path.abspath(f) for f in readinput.get_input_files(oq)]
    return [ini] + sorted(set(f for f in files if f != ini))


def sleep(args):
    """Holds a process for `seconds` (the bridge's time-limit test; no engine involved)."""
    import time
    time.sleep(float(args['seconds']))
    return 'slept'


def list_outputs(args):
    """The engine's outputs of a calculation with their export types (oq_webui_results.py)."""
    import oq_webui_results
    return oq_webui_results.list_outputs(args['engine_calc_id'])


def export_output(args):
    """One output exported in one type beside the datastore, zipped when several files (oq_webui_results.py)."""
    import oq_webui_results
    try:
        path, folder = oq_webui_results.export_output(args['datastore'], args['ds_key'], args['export_type'])
    except oq_webui_results.NothingToExport as exc:
        raise Missing(str(exc))
    return File(path, folder)


HANDLERS = {
    'version': version,
    'ini_defaults': ini_defaults,
    'available_gsims': available_gsims,
    'extract': extract,
    'download_png': download_png,
    'job_zip': job_zip,
    'validate_nrml': validate_nrml,
    'validate_job': validate_job,
    'jobs_from_inis': jobs_from_inis,
    'job_inputs': job_inputs,
    'sleep': sleep,
    'list_outputs': list_outputs,
    'export_output': export_output,
}


DATABASE_UNREADABLE = ("The engine's job database cannot be read: the operator should check the db.sqlite3 "
                       "under ENGINE_DATA_DIR (the engine's own database, readable by the server)")


def engine_database():
    """The engine's job database file ([dbserver] file of its openquake.cfg), for the server log."""
    try:
        from openquake.baselib import config
        return config.dbserver.file
    except Exception:
        return 'unknown file'


def engine_message(exc):
    """The engine's own words for a failure: the exception's class and message, no traceback."""
    return '%s: %s' % (exc.__class__.__name__, exc)


def answer(req):
    try:
        value = HANDLERS[req['op']](req.get('args') or {})
    except KeyError as exc:
        if req.get('op') not in HANDLERS:
            return dict(ok=False, status=400, message='unknown bridge request %r' % req.get('op'))
        return dict(ok=False, status=400, message=engine_message(exc))
    except Missing as exc:
        return dict(ok=False, status=404, message=str(exc))
    except sqlite3.DatabaseError as exc:
        # the engine's job database, not the request, is at fault: a 503 for the operator, never its raw words
        return dict(ok=False, status=503, message=DATABASE_UNREADABLE,
                    log='%s (%s: %s)' % (DATABASE_UNREADABLE, engine_database(), engine_message(exc)))
    except Exception as exc:
        sys.stderr.write(''.join(traceback.format_exception(exc)))
        return dict(ok=False, status=400, message=engine_message(exc))
    if isinstance(value, File):
        return dict(ok=True, file=value.path, dir=value.dir)
    # the engine's own JSON text (NaN and Infinity included, as the original's JsonResponse writes them)
    return dict(ok=True, json=json.dumps(value, default=default))


def default(obj):
    """numpy scalars and arrays in JSON (ini defaults hold some)."""
    if hasattr(obj, 'tolist'):
        return obj.tolist()
    if isinstance(obj, bytes):
        return obj.decode('utf-8')
    return str(obj)


def die_with_parent():
    """Linux: killed when the bridge process dies (a SIGKILLed bridge leaves no Python behind)."""
    try:
        import ctypes
        import signal
        ctypes.CDLL('libc.so.6', use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:
        pass


def warm():
    """Imports what the requests use (seconds on a busy machine) before the process says it is
    ready: no request waits for them (the QGIS plugin gives /results 10 s)."""
    from openquake.calculators import base, extract  # noqa: F401
    from openquake.calculators.export import export  # noqa: F401
    from openquake.commonlib import datastore, logs, readinput  # noqa: F401
    from openquake.engine.export import core  # noqa: F401
    from openquake.hazardlib import gsim, nrml, valid  # noqa: F401
    import oq_webui_results  # noqa: F401


def main():
    die_with_parent()
    out = sys.stdout
    # the engine's prints must not mix with the answers: they go to stderr
    sys.stdout = sys.stderr
    try:
        ready = dict(ready=True, version=version({}))
        warm()
    except Exception as exc:
        ready = dict(ready=False, problem=engine_message(exc))
    out.write(json.dumps(ready) + '\n')
    out.flush()
    if not ready['ready']:
        return 3
    for line in sys.stdin:
        req = json.loads(line)
        res = answer(req)
        res['id'] = req.get('id')
        res['rss'] = rss_bytes()
        out.write(json.dumps(res, default=default) + '\n')
        out.flush()
    return 0


if __name__ == '__main__':
    sys.exit(main())
