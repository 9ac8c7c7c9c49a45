/* model.c - the compare-and-set register. A read's observed value is in the
 * completion (op->ret), written values in the invocation (op->arg). */
#include "jepsen/check/model.h"

static int64_t jm_value(const struct jh_val *v)
{
	return v->kind == JH_V_INT ? v->i : JM_ABSENT;
}

static int jm_register_step(int64_t s, const struct jh_op *op, int64_t *next)
{
	switch (op->f) {
	case JH_F_READ:
		*next = s;
		return op->ret != NULL && jm_value(op->ret) == s;
	case JH_F_WRITE:
		*next = op->arg->i;
		return 1;
	case JH_F_CAS:
		*next = op->arg->items[1];
		return s == op->arg->items[0];
	default:
		return 0;
	}
}

static int jm_register_accepts(const struct jh_op *op)
{
	return op->f == JH_F_READ || op->f == JH_F_WRITE || op->f == JH_F_CAS;
}

static int jm_holdable(const struct jh_val *v)
{
	return v->kind == JH_V_NIL || (v->kind == JH_V_INT && v->i > JM_OTHER);
}

static const char *jm_register_malformed(const struct jh_op *op)
{
	switch (op->f) {
	case JH_F_READ:
		if (op->type == JH_OK && (op->ret == NULL || !jm_holdable(op->ret)))
			return "a register read must return null or an integer";
		return NULL;
	case JH_F_WRITE:
		return op->arg->kind == JH_V_INT && jm_holdable(op->arg)
			       ? NULL : "a register write must carry an integer";
	case JH_F_CAS:
		return op->arg->items[0] > JM_OTHER && op->arg->items[1] > JM_OTHER
			       ? NULL : "cas values out of range";
	default:
		return "not a register operation";
	}
}

const struct jm_model jm_register = {
	"cas-register", JM_ABSENT, jm_register_step, jm_register_accepts,
	jm_register_malformed,
};

static size_t jm_add(int64_t *out, size_t n, int64_t v)
{
	for (size_t k = 0; k < n; k++)
		if (out[k] == v)
			return n;
	out[n] = v;
	return n + 1;
}

size_t jm_candidates(const struct jh_op *const *ops, size_t n, int64_t *out)
{
	size_t m = 0;

	m = jm_add(out, m, JM_ABSENT);
	m = jm_add(out, m, JM_OTHER);
	for (size_t k = 0; k < n; k++) {
		const struct jh_op *op = ops[k];

		if (op->f == JH_F_WRITE)
			m = jm_add(out, m, op->arg->i);
		else if (op->f == JH_F_CAS) {
			m = jm_add(out, m, op->arg->items[0]);
			m = jm_add(out, m, op->arg->items[1]);
		} else if (op->f == JH_F_READ && op->ret != NULL)
			m = jm_add(out, m, jm_value(op->ret));
	}
	return m;
}
