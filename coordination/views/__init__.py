"""The server-rendered pages (DESIGN §9), one module per area, its URL patterns in `<area>_urls.py`.

Views stay thin: selectors read, services write; templates extend templates/base.html. Shared pieces:

- `navigation.py`: the header's links per role and the inbox's unread count (a context processor);
- `language.py`: the language switch at /i18n/setlang/ and the user's language on sign-in;
- `links.py`: `first_url()` links to the first of several named pages that exists;
- `forms.py`: Bootstrap classes on widgets, a service's refusal shown on its form (and
  templates/includes/field.html, form_fields.html to render them).
"""
