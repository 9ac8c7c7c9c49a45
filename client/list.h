/* list.h - an intrusive, circular, doubly linked list.
 *
 * The client keeps requests in several queues at once (all unfinished
 * requests of a handle; the requests waiting on or in flight on one
 * connection) and must unlink them in O(1) when a deadline fires, so the
 * nodes live inside the structures they link. An empty list is a head that
 * points to itself.
 */
#ifndef RDC_LIST_H
#define RDC_LIST_H

#include <stdbool.h>
#include <stddef.h>

struct rdc__list {
	struct rdc__list *prev;
	struct rdc__list *next;
};

#define rdc__container_of(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

static inline void rdc__list_init(struct rdc__list *l)
{
	l->prev = l;
	l->next = l;
}

static inline bool rdc__list_empty(const struct rdc__list *l)
{
	return l->next == l;
}

static inline void rdc__list_push(struct rdc__list *head, struct rdc__list *n)
{
	n->next = head;
	n->prev = head->prev;
	head->prev->next = n;
	head->prev = n;
}

/* Unlink n and leave it self-linked, so a second remove is harmless. */
static inline void rdc__list_remove(struct rdc__list *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	rdc__list_init(n);
}

/* The first node, or NULL when the list is empty. */
static inline struct rdc__list *rdc__list_first(const struct rdc__list *head)
{
	return rdc__list_empty(head) ? NULL : head->next;
}

#endif
