"""The engine's own WebExtractor against oq-webui, compared with its local Extractor on the same datastore.
argv: server calc_id username password datastore dump_path; prints one JSON line."""
import hashlib
import json
import sys
import numpy
from openquake.calculators.extract import WebExtractor, Extractor, WebAPIError

server, calc_id, user, password, dstore, dump = sys.argv[1:7]
try:
    web = WebExtractor(int(calc_id), server, user, password)
except WebAPIError as exc:
    print(json.dumps({'refused': str(exc)[:200]}))
    sys.exit(0)
local = Extractor(dstore)
# what extract_oqparam sends is hdf5.dumps(vars(oqparam)): the web one must be read back equal
from openquake.baselib import hdf5
out = {'oqparam': vars(web.oqparam) == json.loads(hdf5.dumps(vars(local.oqparam)))}


def same(a, b):
    x, y = numpy.asarray(a), numpy.asarray(b)
    if x.dtype.kind in 'fc':
        return x.shape == y.shape and bool(numpy.array_equal(x, y, equal_nan=True))
    return x.shape == y.shape and bool((x == y).all())


for what in ['sitecol', 'realizations', 'hcurves?kind=mean', 'hmaps?kind=mean', 'uhs?kind=mean']:
    a, b = web.get(what), local.get(what)
    # what the web one holds (the npz's arrays) must be what the local one holds, value for value
    keys = sorted(vars(a))
    ok = len(keys) > 0 and all(same(getattr(a, k), getattr(b, k)) for k in keys)
    out[what] = {'same': ok, 'size': sum(int(numpy.asarray(getattr(a, k)).size) for k in keys)}
web.dump(dump)
digest = lambda f: hashlib.sha256(open(f, 'rb').read()).hexdigest()
out['dump_identical'] = digest(dump) == digest(dstore)
local.close()
web.close()
print(json.dumps(out))
