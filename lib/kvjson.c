#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "kvjson.h"

int kv_put_json(MDB_txn *txn, MDB_dbi dbi, const void *key, size_t klen, const json_t *v)
{
	char *text = json_dumps(v, JSON_COMPACT);
	MDB_val k = { klen, (void *)key }, val;
	int rc;

	if (!text)
		return AMR_ENOMEM;
	val = (MDB_val){ strlen(text), text };
	rc = mdb_put(txn, dbi, &k, &val, 0);
	free(text);
	return rc;
}

int kv_get_json(MDB_txn *txn, MDB_dbi dbi, const void *key, size_t klen, json_t **out)
{
	MDB_val k = { klen, (void *)key }, val;
	int rc = mdb_get(txn, dbi, &k, &val);

	if (rc)
		return rc;
	return (*out = json_loadb(val.mv_data, val.mv_size, 0, NULL)) ? 0 : AMR_EDB;
}
