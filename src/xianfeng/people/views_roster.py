# Placeholder until the roster import lands (being written now).
from django.http import Http404


def import_list(request, *a, **k):
    raise Http404


import_detail = import_commit = import_rollback = import_template = import_list
