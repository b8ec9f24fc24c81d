"""The bookings domain operations: plain functions, each one transaction.

Views and the admin call these; they never change bookings, invoices or capacity
themselves.
"""
