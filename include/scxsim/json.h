/*
 * json.h — a JSON reader that keeps what rt-app files need: every member of an object in file
 * order, repeated keys included; C comments (/ * * / and //) and trailing commas when asked
 * (JSON_RELAXED). Every value carries its line and column for error messages.
 * A tree is owned by its root: json_free(root) frees everything.
 */
#ifndef SCXSIM_JSON_H
#define SCXSIM_JSON_H

#include "scxsim/types.h"

enum json_type { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT };

struct json_value;

struct json_member {
	char *key;               /* NUL-terminated, unescaped */
	struct json_value *val;
};

struct json_value {
	enum json_type type;
	int line, col;           /* 1-based position of the value's first character */
	union {
		bool b;                                   /* JSON_BOOL */
		struct { double d; s64 i; bool is_int; } num; /* JSON_NUMBER: is_int when integral literal in s64 range */
		struct { char *s; size_t len; } str;      /* JSON_STRING, NUL-terminated */
		struct { struct json_value **v; int n; } arr;  /* JSON_ARRAY */
		struct { struct json_member *m; int n; } obj;  /* JSON_OBJECT, file order */
	};
};

#define JSON_STRICT    0
#define JSON_RELAXED   1 /* allow comments and trailing commas */
#define JSON_BARE_KEYS 2 /* allow an object member written as a lone string ("suspend",):
			  * workgen's shorthand; the member's value is JSON_NULL at the key */

#define JSON_MAX_DEPTH 256

/*
 * Parse buf[0..len) (need not be NUL-terminated; may contain any bytes). Returns the root or
 * NULL with "LINE:COL: reason" in err (LINE and COL 1-based, COL counts bytes).
 * Nesting deeper than JSON_MAX_DEPTH levels is an error, not a crash.
 */
struct json_value *json_parse(const char *buf, size_t len, int flags, char *err, size_t errlen);

void json_free(struct json_value *v); /* NULL-safe */

/* First member of obj named key, or NULL (also when obj is not an object). */
struct json_value *json_get(const struct json_value *obj, const char *key);

const char *json_type_name(enum json_type t); /* "null", "boolean", "number", ... */

/* Type name for messages: like json_type_name but says "integer" for an integral number. */
const char *json_value_kind(const struct json_value *v);

/* Number of members of obj named key (0 when obj is not an object). O(members). */
int json_count(const struct json_value *obj, const char *key);

/*
 * Index of the first member of obj whose key repeats an earlier member's, or -1.
 * O(n log n), so large objects cannot make a reader quadratic.
 */
int json_first_dup(const struct json_value *obj);

/* Members of an object sorted by key (ties in file order), for O(log n) lookups. */
struct json_index {
	const struct json_member **m;  /* owned array of pointers into the object */
	int n;
};
/* Build the index of obj (empty when obj is NULL or not an object). 0 or -ENOMEM. */
int json_index_init(struct json_index *ix, const struct json_value *obj);
/* First member named key in file order, or NULL. */
const struct json_value *json_index_get(const struct json_index *ix, const char *key);
void json_index_free(struct json_index *ix); /* NULL-safe; leaves an empty index */

#endif
