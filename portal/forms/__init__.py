"""The question-page runner: service definition to WTForms forms, and answers back to text."""
