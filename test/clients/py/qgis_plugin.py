"""The HTTP calls of the QGIS plugin's "Drive the OpenQuake Engine" dialog (gem/oq-irmt-qgis), made
the way the plugin makes them (a requests Session, the same URLs, arguments and parsing), against a
server. Each call is checked for what the plugin reads from the answer; the outcome is one JSON line
{"calls": [{"call": ..., "status": ..., "ok": bool, "why": ...}], ...} on stdout.

Where each call comes from (plugin files and functions):
  svir/utilities/utils.py          check_is_lockdown   GET  /v1/engine_version (allow_redirects=False): 403 means LOCKDOWN
  svir/utilities/utils.py          engine_login/_login POST /accounts/ajax_login/ {username, password}: 200 or SvNetworkError
  svir/dialogs/drive_oq_engine_server_dialog.py
                                   get_engine_version  GET  /v1/engine_version: text, "X.Y.Z[-...]" read as integers
                                   refresh_calc_list   GET  /v1/calc/list?relevant=true: JSON list, keys description, id,
                                                             calculation_mode, owner, status, is_running (+ size_mb in
                                                             get_calc_info/update_output_list)
                                   get_calc_status     GET  /v1/calc/<id>/status: JSON, status, calculation_mode
                                   get_output_list     GET  /v1/calc/<id>/results: JSON list sorted by name; keys id, name,
                                                             type, outtypes, size_mb (show_output_list)
                                   get_calc_log        GET  /v1/calc/<id>/log/<start>: (ShowConsoleDialog): JSON rows
                                                             of strings, ','.join(row)
                                   get_oqparam         GET  /v1/calc/<id>/oqparam (the "Show parameters" button): the
                                                             original 3.26 has no such route (404): checked as the original
                                   run_calc            POST /v1/calc/run files={archive} data={job_ini[, hazard_job_id]}:
                                                             JSON job_id ("Run" and "Continue")
                                   remove_calc         POST /v1/calc/<id>/abort and /v1/calc/<id>/remove: resp.ok
                                   on_same_fs          POST /v1/on_same_fs {filename, checksum}: JSON success (bool)
  svir/tasks/extract_npz_task.py   ExtractThread.run   GET  /v1/calc/<id>/extract/<hcurves|hmaps> (params=None):
                                                             numpy.load(allow_pickle=False)
  svir/utilities/utils.py          extract_npz         GET  /v1/calc/<id>/extract/uhs (LoadUhsAsLayerDialog)
  svir/dialogs/load_{hcurves,hmaps,uhs}_as_layer_dialog.py   the npz keys `all` (lon, lat, then one field per
                                                             realization or statistic, nested by IMT and level,
                                                             IMT and poe, poe and IMT) and `investigation_time`
  svir/tasks/download_oq_output_task.py DownloadThread.run GET /v1/calc/result/<oid>?export_type=T&dload=true and
                                                             GET /v1/calc/<id>/datastore: resp.ok, Content-Disposition
                                                             split on 'filename=', Content-Length = bytes streamed
Not replayed: the risk-only loaders (losses, damages, aggregate curves, get_loss_types' extract of
composite_risk_model.attrs) need a risk calculation; the hazard calculation here has none of them.

argv: mode server username password ...
  dialog   server user password calc_id dest_folder
  run      server user password archive [hazard_job_id]
  remove   server user password calc_id abort|remove
  same_fs  server user password filename
"""
import io
import json
import os
import sys
import zipfile
import zlib

import numpy
from requests import Session

# the plugin passes timeout=10 (20 for run and on_same_fs); the replay waits longer, so that it never
# depends on the speed of a loaded machine
TIMEOUT = 300

calls = []


def record(call, resp, ok, why=''):
    calls.append({'call': call, 'status': getattr(resp, 'status_code', None), 'ok': bool(ok), 'why': why})
    return ok


def check_is_lockdown(hostname, session):
    resp = session.get('%s/v1/engine_version' % hostname, timeout=TIMEOUT, verify=False, allow_redirects=False)
    record('check_is_lockdown GET /v1/engine_version (anonymous)', resp, resp.status_code == 403,
           'LOCKDOWN is on: the plugin logs in only after a 403')
    return resp.status_code == 403


def engine_login(hostname, username, password, session):
    resp = session.post(hostname + '/accounts/ajax_login/', data={'username': username, 'password': password}, timeout=TIMEOUT)
    return resp


def login(hostname, username, password):
    session = Session()
    if check_is_lockdown(hostname, session):
        resp = engine_login(hostname, username, password, session)
        record('engine_login POST /accounts/ajax_login/', resp, resp.status_code == 200)
    return session


def npz_of(resp):
    return numpy.load(io.BytesIO(resp.content), allow_pickle=False)


def dialog(hostname, username, password, calc_id, dest):
    calc_id = int(calc_id)
    wrong = engine_login(hostname, username, password + 'x', Session())
    record('engine_login POST /accounts/ajax_login/ (wrong password)', wrong, wrong.status_code != 200,
           'the plugin raises SvNetworkError("Unable to login: ...") on anything but 200')
    s = login(hostname, username, password)

    resp = s.get('%s/v1/engine_version' % hostname, timeout=TIMEOUT, verify=False, allow_redirects=False, stream=True)
    try:
        version = tuple(int(x) for x in resp.text.split('-')[0].split('.'))
        ok = resp.ok and len(version) >= 2
    except ValueError:
        ok = False
    record('get_engine_version GET /v1/engine_version', resp, ok, resp.text[:40])

    url = '%s/v1/calc/list?relevant=true' % hostname
    resp = s.get(url, timeout=TIMEOUT, verify=False, allow_redirects=False, stream=True)
    calc_list = json.loads(resp.text) if resp.ok else []
    keys = {'description', 'id', 'calculation_mode', 'owner', 'status', 'is_running', 'size_mb'}
    mine = [c for c in calc_list if c.get('id') == calc_id]
    record('refresh_calc_list GET /v1/calc/list?relevant=true', resp,
           resp.ok and isinstance(calc_list, list) and all(keys <= set(c) for c in calc_list)
           and len(mine) == 1 and mine[0]['status'] == 'complete' and mine[0]['size_mb'] is not None,
           'keys %s' % sorted(set(calc_list[0]) if calc_list else []))

    resp = s.get('%s/v1/calc/%s/status' % (hostname, calc_id), timeout=TIMEOUT, verify=False, stream=True)
    status = json.loads(resp.text)
    record('get_calc_status GET /v1/calc/<id>/status', resp,
           status.get('status') == 'complete' and status.get('calculation_mode') == 'classical')

    resp = s.get('%s/v1/calc/%s/results' % (hostname, calc_id), timeout=TIMEOUT, verify=False, stream=True)
    outputs = json.loads(resp.text) if resp.ok else []
    outputs.sort(key=lambda o: o['name'])
    needed = {'id', 'name', 'type', 'outtypes', 'size_mb'}
    types = {o['type'] for o in outputs}
    record('get_output_list GET /v1/calc/<id>/results', resp,
           resp.ok and all(needed <= set(o) and isinstance(o['outtypes'], list) for o in outputs)
           and {'hcurves', 'hmaps', 'uhs', 'realizations', 'fullreport'} <= types, 'types %s' % sorted(types))

    resp = s.get('%s/v1/calc/%s/log/%s:%s' % (hostname, calc_id, 0, ''), timeout=TIMEOUT, verify=False, stream=True)
    try:
        rows = json.loads(resp.text)
        text = '\n'.join([','.join(row) for row in rows])
        ok = resp.ok and len(rows) > 0 and 'Stored' in text
    except (TypeError, ValueError):
        ok = False
    record('get_calc_log GET /v1/calc/<id>/log/0:', resp, ok)

    resp = s.get('%s/v1/calc/%s/oqparam' % (hostname, calc_id), timeout=TIMEOUT, verify=False, stream=True)
    record('get_oqparam GET /v1/calc/<id>/oqparam', resp, resp.status_code == 404,
           'no such route in the original 3.26 (v1/calc_urls.py): 404 there too')

    npzs = {}
    for what in ['hcurves', 'hmaps', 'uhs']:
        resp = s.get('%s/v1/calc/%s/extract/%s' % (hostname, calc_id, what), params=None, verify=False)
        why = ''
        try:
            npz = npz_of(resp) if resp.ok and resp.content else None
            ok = npz is not None and {'all', 'investigation_time'} <= set(npz.keys())
            if ok:
                npzs[what] = npz
                all_ = npz['all']
                names = all_.dtype.names
                str(npz['investigation_time'])
                ok = names[:2] == ('lon', 'lat') and len(names) > 2 and all_.shape[0] > 0
                for rlz_or_stat in names[2:]:
                    fields = all_[rlz_or_stat].dtype.names
                    if what == 'hcurves':  # "%s_%s_%s" % (rlz_or_stat, imt, iml) split on '_'
                        ok = ok and all(len(('%s_%s_%s' % (rlz_or_stat, imt, iml)).split('_')) == 3
                                        for imt in fields for iml in all_[rlz_or_stat][imt].dtype.names)
                    elif what == 'hmaps':  # imts = {imt: dataset[imt].dtype.names}, then row[imt][poe].item()
                        ok = ok and all(isinstance(row[imt][poe].item(), float) for row in all_[rlz_or_stat]
                                        for imt in fields for poe in all_[rlz_or_stat][imt].dtype.names)
                    else:  # poes, then "%s_%s" % (rlz_or_stat, imt) split on '_'
                        ok = ok and all(len(('%s_%s' % (rlz_or_stat, imt)).split('_')) == 2
                                        for poe in fields for imt in all_[rlz_or_stat][poe].dtype.names)
                why = 'fields %s' % (names,)
        except Exception as exc:  # what the plugin's ExtractThread reports
            ok, why = False, repr(exc)[:200]
        record('ExtractNpzTask GET /v1/calc/<id>/extract/%s' % what, resp, ok, why)

    def download(call, url, expect_start=None):
        resp = s.get(url, verify=False, stream=True)
        if not resp.ok:
            return record(call, resp, False, resp.text[:200])
        filename = resp.headers['content-disposition'].split('filename=')[1]
        filepath = os.path.join(dest, filename)
        tot_len = int(resp.headers.get('content-length'))
        with open(filepath, 'wb') as f:
            for data in resp.iter_content(chunk_size=max(tot_len // 100, 100)):
                f.write(data)
        data = open(filepath, 'rb').read()
        ok = (os.path.dirname(os.path.abspath(filepath)) == os.path.abspath(dest) and '"' not in filename
              and len(data) == tot_len and (expect_start is None or data.startswith(expect_start)))
        return record(call, resp, ok, filename)

    by_type = {o['type']: o for o in outputs}
    # Load table (realizations, csv), Show (fullreport, rst), Download (hcurves, each of its outtypes)
    wanted = [('realizations', 'csv'), ('fullreport', 'rst')] + [('hcurves', t) for t in by_type.get('hcurves', {}).get('outtypes', [])]
    for otype, outtype in wanted:
        o = by_type.get(otype)
        if o is None or outtype not in o['outtypes']:
            record('DownloadOqOutputTask %s %s' % (otype, outtype), None, False, 'not listed')
            continue
        download('DownloadOqOutputTask GET /v1/calc/result/<oid>?export_type=%s&dload=true (%s)' % (outtype, otype),
                 '%s/v1/calc/result/%s?export_type=%s&dload=true' % (hostname, o['id'], outtype))
    download('DownloadOqOutputTask GET /v1/calc/<id>/datastore', '%s/v1/calc/%s/datastore' % (hostname, calc_id),
             b'\x89HDF\r\n\x1a\n')
    # what the layers are made of: every site, a mean and per-realization values
    out = {'calls': calls}
    if 'hcurves' in npzs:
        out['sites'] = int(npzs['hcurves']['all'].shape[0])
        out['hcurves_fields'] = list(npzs['hcurves']['all'].dtype.names)
    return out


def run(hostname, username, password, archive, hazard_job_id=None):
    s = login(hostname, username, password)
    with zipfile.ZipFile(archive, 'r') as f:
        ini_file_names = [n for n in f.namelist() if os.path.splitext(n)[1] == '.ini']
    data = {'hazard_job_id': hazard_job_id} if hazard_job_id is not None else {}
    data['job_ini'] = os.path.basename(ini_file_names[0])
    files = {'archive': open(archive, 'rb')}
    resp = s.post('%s/v1/calc/run' % hostname, files=files, data=data, timeout=TIMEOUT, stream=True)
    job_id = resp.json().get('job_id') if resp.ok else None
    record('run_calc POST /v1/calc/run%s' % (' (Continue)' if hazard_job_id else ''), resp,
           resp.ok and isinstance(job_id, int), resp.text[:200])
    return {'calls': calls, 'job_id': job_id}


def remove(hostname, username, password, calc_id, method):
    s = login(hostname, username, password)
    resp = s.post('%s/v1/calc/%s/%s' % (hostname, calc_id, method), timeout=TIMEOUT, stream=True)
    record('remove_calc POST /v1/calc/<id>/%s' % method, resp, resp.ok, resp.text[:200])
    return {'calls': calls}


def same_fs(hostname, username, password, filename):
    s = login(hostname, username, password)
    with open(filename, 'rb') as f:
        checksum = zlib.adler32(f.read(32), 0) & 0xffffffff
    resp = s.post('%s/v1/on_same_fs' % hostname, data={'filename': filename, 'checksum': str(checksum)},
                  timeout=TIMEOUT, stream=True)
    try:
        result = json.loads(resp.text)['success']
        ok = isinstance(result, bool)
    except Exception as exc:
        result, ok = None, False
    record('on_same_fs POST /v1/on_same_fs', resp, ok, resp.text[:200])
    return {'calls': calls, 'success': result}


if __name__ == '__main__':
    mode, rest = sys.argv[1], sys.argv[2:]
    out = {'dialog': dialog, 'run': run, 'remove': remove, 'same_fs': same_fs}[mode](*rest)
    print(json.dumps(out))
