"""The committee office: statistics, exports, the due dashboard, intake flags."""
