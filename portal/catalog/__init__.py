"""Service definitions: the data that drives forms, validation, staff views and the APIs."""

from .definition import Catalog, Question, ServiceDefinition
from .loader import CatalogError, load_catalog

__all__ = ["Catalog", "CatalogError", "Question", "ServiceDefinition", "load_catalog"]
